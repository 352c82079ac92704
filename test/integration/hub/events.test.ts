// A project's events through the hub: a member opens the project's
// WebSocket with their bearer token, follows a run's log with the socket's
// client id, and gets its lines to the end. A non-member's upgrade is
// "not found" and a missing token is 401, like any other request.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import type { ApiEvents } from '../../../main/common/api/operations';
import type { RunSummary } from '../../../main/common/job';
import { projectHome } from '../../../main/hub/server/project-backend';
import { waitFor } from '../../helpers/wait';
import { rawStatusLine } from '../server/server-process';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function call(h: HubHarness, path: string, input: unknown, token: string, headers: Record<string, string> = {}): Promise<unknown> {
  const r = await h.post(path, input, token, headers);
  if (r.status !== 200) throw new Error(`${path} answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
}

it("follows a run's log to the end over the project's event socket; a non-member or no token is refused", async () => {
  const h = await startHubHarness();
  cleanups.push(() => h.close());
  await call(h, 'projects.create', { name: 'alpha', backend: 'local' }, h.adminToken);
  const reader = (await call(h, 'users.create', { name: 'rita' }, h.adminToken)) as { token: string };
  const outsider = (await call(h, 'users.create', { name: 'otto' }, h.adminToken)) as { token: string };
  await call(h, 'members.set', { project: 'alpha', user: 'rita', role: 'read' }, h.adminToken);
  const workflows = join(projectHome(join(h.home, 'hub'), 'alpha'), 'workspace', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await writeFile(join(workflows, 'w.yaml'), 'workflows:\n  - name: hello\n    provider: bash\n    commands:\n      - echo hello from the hub\n');
  const { runName } = (await call(h, 'projects/alpha/ops/runs.submit', { projectId: 'alpha', workflow: 'hello', args: [] }, h.adminToken)) as { runName: string };

  const port = h.hub.port;
  const upgrade = (token?: string) =>
    rawStatusLine(port, `GET /api/v1/projects/alpha/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  expect(await upgrade()).toMatch(/^HTTP\/1\.1 401 /);
  expect(await upgrade(outsider.token)).toMatch(/^HTTP\/1\.1 404 /);

  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/projects/alpha/events`, { headers: { authorization: `Bearer ${reader.token}` } });
  cleanups.push(() => ws.terminate());
  const lines: string[] = [];
  let done = false;
  const clientId = await new Promise<string>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; clientId?: string; event?: string; payload?: ApiEvents['logs.lines'] };
      if (msg.type === 'hello') resolve(msg.clientId!);
      if (msg.event === 'logs.lines') {
        lines.push(...msg.payload!.lines.map((l) => l.text));
        done ||= msg.payload!.done;
      }
    });
  });
  await call(h, 'projects/alpha/ops/logs.follow', { projectId: 'alpha', runName }, reader.token, { 'x-dstack-client': clientId });
  await waitFor(`the log of ${runName} to its end over the hub's socket`, () => ({ done, lines }), (v) => v.done, { timeoutMs: 60_000 });
  expect(lines.join('\n')).toContain('hello from the hub');
  const runs = (await call(h, 'projects/alpha/ops/runs.list', { projectId: 'alpha', all: true }, reader.token)) as RunSummary[];
  expect(runs.find((r) => r.runName === runName)?.status).toBe('done');
});
