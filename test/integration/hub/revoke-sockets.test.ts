// A token is checked when an event socket opens, and the socket then lives
// for hours. Revoking a user, rotating their token or removing them from a
// project must end their open sockets at once, with a close code and a
// reason the page shows; they used to keep streaming the project's events.
// Everyone else's sockets stay open, a hub admin removed from a project's
// members included (a hub admin sees every project).
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { ACCESS_REVOKED_CLOSE } from '../../../main/common/socket-close';
import { UserSockets } from '../../../main/hub/server/user-sockets';
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

interface OpenSocket {
  /** What closed it, or undefined while it is open. */
  closed(): { code: number; reason: string } | undefined;
  /** Resolves when the hub answers a ping: the socket is still open end to end. */
  pong(): Promise<void>;
}

/** An event socket of `project` with `token`, open once the hub said hello. */
async function openSocket(h: HubHarness, project: string, token: string): Promise<OpenSocket> {
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
  return {
    closed: () => closed,
    pong: () =>
      new Promise<void>((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) return reject(new Error(`the socket is not open: ${JSON.stringify(closed)}`));
        ws.once('pong', () => resolve());
        ws.ping();
      }),
  };
}

const closeOf = (what: string, s: OpenSocket) => waitFor(what, async () => s.closed(), (c) => c !== undefined, { timeoutMs: 30_000 });

it("closes a member's open event sockets when access is taken away: revoke, rotate, or removal from that project only", async () => {
  const h = await startHubHarness();
  cleanups.push(() => h.close());
  for (const name of ['alpha', 'bravo']) await call(h, 'projects.create', { name, backend: 'local' }, h.adminToken);
  const tokens: Record<string, string> = {};
  for (const name of ['rita', 'ana', 'max', 'otto']) {
    tokens[name] = ((await call(h, 'users.create', { name }, h.adminToken)) as { token: string }).token;
    for (const project of ['alpha', 'bravo']) await call(h, 'members.set', { project, user: name, role: 'read' }, h.adminToken);
  }
  const boss = ((await call(h, 'users.create', { name: 'boss', admin: true }, h.adminToken)) as { token: string }).token;
  await call(h, 'members.set', { project: 'alpha', user: 'boss', role: 'read' }, h.adminToken);

  const rita = await openSocket(h, 'alpha', tokens.rita!);
  const anaAlpha = await openSocket(h, 'alpha', tokens.ana!);
  const anaBravo = await openSocket(h, 'bravo', tokens.ana!);
  const max = await openSocket(h, 'alpha', tokens.max!);
  const otto = await openSocket(h, 'alpha', tokens.otto!);
  const bossAlpha = await openSocket(h, 'alpha', boss);

  await call(h, 'users.revoke', { name: 'rita' }, h.adminToken);
  expect(await closeOf("rita's socket to close after her revoke", rita)).toEqual({ code: ACCESS_REVOKED_CLOSE, reason: 'A hub admin revoked your access to this hub.' });

  await call(h, 'members.remove', { project: 'alpha', user: 'ana' }, h.adminToken);
  expect(await closeOf("ana's alpha socket to close", anaAlpha)).toEqual({ code: ACCESS_REVOKED_CLOSE, reason: 'A hub admin removed you from the project alpha.' });

  await call(h, 'users.rotate', { name: 'max' }, h.adminToken);
  expect(await closeOf("max's socket to close after his rotate", max)).toEqual({
    code: ACCESS_REVOKED_CLOSE,
    reason: 'A hub admin replaced your token: sign in with the new one they give you.',
  });

  await call(h, 'members.remove', { project: 'alpha', user: 'boss' }, h.adminToken);
  // Ana is still a member of bravo, Otto lost nothing, and a hub admin sees alpha without being its member: those stay open.
  await Promise.all([anaBravo.pong(), otto.pong(), bossAlpha.pong()]);
  expect([anaBravo.closed(), otto.closed(), bossAlpha.closed()]).toEqual([undefined, undefined, undefined]);
  // Reconnecting with what was taken away is refused, and a rotated member's new token opens again.
  await expect(openSocket(h, 'alpha', tokens.rita!)).rejects.toThrow(/401/);
  await expect(openSocket(h, 'alpha', tokens.ana!)).rejects.toThrow(/404/);
  const fresh = ((await h.post('users.rotate', { name: 'max' }, h.adminToken)).body.result as { token: string }).token;
  await (await openSocket(h, 'alpha', fresh)).pong();
});

it('closes a socket whose token check passed just before the access change, as it registers', async () => {
  const sockets = new UserSockets();
  const closes: [number, string][] = [];
  const fake = (): WebSocket => ({ close: (code: number, why: string) => closes.push([code, why]), once: () => undefined }) as unknown as WebSocket;
  const checkedAt = sockets.mark();
  sockets.close('rita', 'A hub admin revoked your access to this hub.');
  sockets.add('rita', 'alpha', fake(), checkedAt);
  sockets.close('ana', 'A hub admin removed you from the project alpha.', 'alpha');
  sockets.add('ana', 'bravo', fake(), checkedAt);
  sockets.add('ana', 'alpha', fake(), checkedAt);
  sockets.add('ana', 'alpha', fake(), sockets.mark());
  expect(closes).toEqual([
    [ACCESS_REVOKED_CLOSE, 'A hub admin revoked your access to this hub.'],
    [ACCESS_REVOKED_CLOSE, 'A hub admin removed you from the project alpha.'],
  ]);
});
