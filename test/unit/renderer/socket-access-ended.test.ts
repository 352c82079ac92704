// @vitest-environment jsdom
// The hub page's event socket, in jsdom's real WebSocket against a real
// `ws` server on this machine: a close the server marks as "your access
// ended" (4001, with a sentence) signs the page out with that sentence and
// never reconnects, while an ordinary drop (a restart) reconnects as before.
// The server answers the page's probe with 200 throughout, as the hub does
// for a member removed from one project: the close code alone must decide.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterEach, expect, it } from 'vitest';
import type { ConnectionState } from '../../../main/common/api/operations';
import { ACCESS_REVOKED_CLOSE } from '../../../main/common/socket-close';
import { hubRoutes } from '../../../renderer/src/api/hub-client';
import { HttpClient } from '../../../renderer/src/api/http-client';
import { waitFor } from '../../helpers/wait';

interface FakeHub {
  origin: string;
  /** Every socket the page opened, in order. */
  sockets: WebSocket[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server speaking the hub's socket protocol (hello with a client id) and answering every request 200. */
async function fakeHub(): Promise<FakeHub> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end('{"result":null}'));
  const wss = new WebSocketServer({ server });
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.send(JSON.stringify({ type: 'hello', clientId: `c${sockets.length}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hub = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => server.close(resolve));
    },
  };
  cleanups.push(() => hub.close());
  return hub;
}

/** A hub page's client for project `team`, recording every connection state it reports. */
function pageClient(hub: FakeHub): { client: HttpClient; states: ConnectionState[] } {
  const client = new HttpClient(hubRoutes('team', 'dsh_test', hub.origin));
  const states: ConnectionState[] = [];
  cleanups.push(client.onConnection((s) => states.push(s)));
  return { client, states };
}

it('signs out with the server\'s sentence on a 4001 close, and opens no socket again', { timeout: 30_000 }, async () => {
  const hub = await fakeHub();
  const { client, states } = pageClient(hub);
  await waitFor('the page\'s socket to open', () => hub.sockets.length, (n) => n === 1, { timeoutMs: 10_000 });
  await waitFor('the page to say connected', () => states.at(-1), (s) => s === 'connected', { timeoutMs: 10_000 });

  hub.sockets[0]!.close(ACCESS_REVOKED_CLOSE, 'A hub admin removed you from the project team.');
  await waitFor('the page to be signed out', () => states, (s) => s.at(-1) === 'signed-out', { timeoutMs: 10_000 });
  expect(client.signedOutReason()).toBe('A hub admin removed you from the project team.');
  expect(states).not.toContain('reconnecting');

  // Nor does anything that asks for events later: a drop is retried within 250 ms, and after 3 s none came.
  client.on('runs.changed', () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect({ sockets: hub.sockets.length, states }).toEqual({ sockets: 1, states: ['connected', 'signed-out'] });
});

it('reconnects after an ordinary drop, and is not signed out', { timeout: 30_000 }, async () => {
  const hub = await fakeHub();
  const { client, states } = pageClient(hub);
  await waitFor('the page\'s socket to open', () => hub.sockets.length, (n) => n === 1, { timeoutMs: 10_000 });
  hub.sockets[0]!.close(1012, 'Service restart');
  await waitFor('the page to open a second socket', () => hub.sockets.length, (n) => n === 2, { timeoutMs: 10_000 });
  await waitFor('the page to say connected again', () => states, (s) => s.at(-1) === 'connected' && s.includes('reconnecting'), { timeoutMs: 10_000 });
  expect(client.signedOutReason()).toBeNull();
});
