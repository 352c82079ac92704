// The app through a team hub across a hub restart: the hub's events socket
// drops mid-run, the app's carrier subscribes again on its own once the hub
// is back on the same port and data, and the window that follows the log
// gets every line once, in order, to the end, under the subscription id it
// already had; its runs watch goes on too.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliHubLink } from '../../../main/cli/hub-link';
import type { ApiEvents } from '../../../main/common/api/operations';
import { startHub } from '../../../main/hub/server/hub-server';
import { projectHome } from '../../../main/hub/server/project-backend';
import { Keychain } from '../../../main/node/keychain';
import { ApiService } from '../../../main/service/api';
import { waitFor } from '../../helpers/wait';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

const TICKS = 30;
const WORKFLOW = `workflows:
  - name: ticks
    provider: bash
    commands:
      - for i in $(seq 1 ${TICKS}); do echo "tick $i"; sleep 0.2; done
`;

let h: HubHarness;
let tmp: string;
let service: ApiService | undefined;
const keychain = new Keychain(`dstack-hub-app-restart-${randomBytes(4).toString('hex')}`);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-app-restart-'));
  h = await startHubHarness();
  const post = async (action: string, input: unknown): Promise<unknown> => {
    const r = await h.post(action, input, h.adminToken);
    if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body.result;
  };
  await post('projects.create', { name: 'alpha', backend: 'local' });
  const workflows = join(projectHome(join(h.home, 'hub'), 'alpha'), 'workspace', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await writeFile(join(workflows, 'ticks.yaml'), WORKFLOW);
}, 60_000);

afterAll(async () => {
  await service?.dispose();
  await keychain.delete(`http://127.0.0.1:${h.hub.port}/`).catch(() => false);
  await h?.close();
  await rm(tmp, { recursive: true, force: true });
});

it('follows a run\'s log and watch across a hub restart without losing or doubling a line', async () => {
  const port = h.hub.port;
  const url = `http://127.0.0.1:${port}/`;
  const { token } = (await h.post('users.create', { name: 'ana' }, h.adminToken)).body.result as { token: string };
  await h.post('members.set', { project: 'alpha', user: 'ana', role: 'run' }, h.adminToken);
  service = new ApiService({ home: tmp, version: '0.1.0', host: { transport: 'ipc' }, reconcile: false, hubLink: cliHubLink(keychain) });
  await service.call('hub.connect', { url, token, project: 'alpha' });
  const [project] = await service.call('projects.recent', undefined);
  const projectId = project!.id;

  const seen: { event: string; payload: unknown; clientId?: string }[] = [];
  service.hub.listen((event, payload, clientId) => seen.push({ event, payload, ...(clientId ? { clientId } : {}) }));
  const watch = await service.call('runs.watch', { projectId }, { clientId: 'w' });
  const { runName } = await service.call('runs.submit', { projectId, workflow: 'ticks', args: [] });
  const { subscriptionId } = await service.call('logs.follow', { projectId, runName }, { clientId: 'w' });
  const batches = (): ApiEvents['logs.lines'][] =>
    seen.filter((s) => s.event === 'logs.lines' && s.clientId === 'w').map((s) => s.payload as ApiEvents['logs.lines']).filter((b) => b.subscriptionId === subscriptionId);
  const ticks = (): string[] => batches().flatMap((b) => b.lines.map((l) => l.text)).filter((t) => /^tick \d+$/.test(t));

  await waitFor('the first ticks relayed from the hub', ticks, (t) => t.length >= 3, { timeoutMs: 90_000 });
  const before = ticks().length;
  await h.hub.close();
  h.hub = await startHub({ store: h.store, home: h.home, version: '0.1.0', port });

  const done = await waitFor('the end of the log after the restart', batches, (b) => b.some((x) => x.done), { timeoutMs: 180_000 });
  expect(done.filter((b) => b.done)).toHaveLength(1);
  expect(done.find((b) => b.done)?.error).toBeUndefined();
  expect(before).toBeLessThan(TICKS);
  expect(ticks()).toEqual(Array.from({ length: TICKS }, (_, i) => `tick ${i + 1}`));

  const watched = () => seen.filter((s) => s.event === 'runs.changed').map((s) => ({ ...(s.payload as ApiEvents['runs.changed']), clientId: s.clientId }));
  const last = await waitFor(`${runName} done in the watch after the restart`, watched, (w) => w.some((x) => x.runs.some((r) => r.runName === runName && r.status === 'done')), { timeoutMs: 60_000 });
  expect(last.every((x) => x.subscriptionId === watch.subscriptionId && x.clientId === 'w')).toBe(true);
}, 300_000);
