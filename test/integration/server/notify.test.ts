// A run that ends while the app watches its project raises one notification
// (the desktop shell shows it), on a real local backend.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ApiService } from '../../../main/service/api';

let home: string;
let project: string;
let service: ApiService;
const notify = vi.fn();

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-notify-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-notifyproj-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'w.yaml'), 'workflows:\n  - name: quick\n    provider: bash\n    commands: ["sleep 1.5", "echo ok"]\n');
  service = new ApiService({ home, version: '0', host: { transport: 'ipc', notify } });
});
afterAll(async () => {
  await service.dispose();
  await rm(home, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
});

it('notifies once when a watched run ends', async () => {
  await service.call('setup.useLocal', undefined);
  const { id: projectId } = (await service.call('projects.open', { path: project }))!;
  const { subscriptionId } = await service.call('runs.watch', { projectId });
  const { runName } = await service.call('runs.submit', { projectId, workflow: 'quick', args: [] });
  expect(await service.call('runs.offer', { projectId, workflow: 'quick', args: [] })).toBeNull();
  for (let i = 0; i < 300 && !notify.mock.calls.length; i++) await new Promise((r) => setTimeout(r, 50));
  expect(notify).toHaveBeenCalledWith(`Run ${runName} done`, 'quick');
  await new Promise((r) => setTimeout(r, 1500));
  expect(notify).toHaveBeenCalledTimes(1);
  await service.call('events.unsubscribe', { subscriptionId });
});
