// A token is checked when an event socket opens, and the socket then lives
// for hours. Revoking a user, rotating their token or removing them from a
// project must end their open sockets at once; they used to keep streaming
// the project's events.
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { ACCESS_REVOKED_CLOSE } from '../../../main/hub/server/user-sockets';
import { waitFor } from '../../helpers/wait';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function call(h: HubHarness, path: string, input: unknown, token: string): Promise<unknown> {
  const r = await h.post(path, input, token);
  if (r.status !== 200) throw new Error(`${path} answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** An open event socket of `project` with `token`, and what closed it (undefined while open). */
async function openSocket(h: HubHarness, project: string, token: string): Promise<() => { code: number; reason: string } | undefined> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.hub.port}/api/v1/projects/${project}/events`, { headers: { authorization: `Bearer ${token}` } });
  cleanups.push(() => ws.terminate());
  let closed: { code: number; reason: string } | undefined;
  ws.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'hello') resolve();
    });
  });
  return () => closed;
}

it('closes a member\'s open event sockets when access is taken away: revoke, rotate, or removal from that project only', async () => {
  const h = await startHubHarness();
  cleanups.push(() => h.close());
  for (const name of ['alpha', 'bravo']) await call(h, 'projects.create', { name, backend: 'local' }, h.adminToken);
  const tokens: Record<string, string> = {};
  for (const name of ['rita', 'ana', 'max']) {
    tokens[name] = ((await call(h, 'users.create', { name }, h.adminToken)) as { token: string }).token;
    for (const project of ['alpha', 'bravo']) await call(h, 'members.set', { project, user: name, role: 'read' }, h.adminToken);
  }
  const rita = await openSocket(h, 'alpha', tokens.rita!);
  const anaAlpha = await openSocket(h, 'alpha', tokens.ana!);
  const anaBravo = await openSocket(h, 'bravo', tokens.ana!);
  const max = await openSocket(h, 'alpha', tokens.max!);

  await call(h, 'users.revoke', { name: 'rita' }, h.adminToken);
  expect(await waitFor('rita\'s socket to close after her revoke', async () => rita(), (c) => c !== undefined, { timeoutMs: 30_000 })).toEqual({
    code: ACCESS_REVOKED_CLOSE,
    reason: 'Your hub access was revoked.',
  });

  await call(h, 'members.remove', { project: 'alpha', user: 'ana' }, h.adminToken);
  expect(await waitFor('ana\'s alpha socket to close', async () => anaAlpha(), (c) => c !== undefined, { timeoutMs: 30_000 })).toEqual({
    code: ACCESS_REVOKED_CLOSE,
    reason: 'You are no longer a member of alpha.',
  });

  await call(h, 'users.rotate', { name: 'max' }, h.adminToken);
  expect(await waitFor('max\'s socket to close after his rotate', async () => max(), (c) => c !== undefined, { timeoutMs: 30_000 })).toMatchObject({ code: ACCESS_REVOKED_CLOSE });
  // Ana is still a member of bravo: that socket stays open.
  expect(anaBravo()).toBeUndefined();
});
