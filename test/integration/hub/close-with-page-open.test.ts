// Stopping the hub (Ctrl-C on `dstack hub`) while a page or a CLI follows a
// project's events: the open event socket must not keep it from stopping.
import { rm } from 'node:fs/promises';
import { afterAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

let h: HubHarness | undefined;
afterAll(async () => {
  await h?.store.close();
  if (h) await rm(h.home, { recursive: true, force: true });
});

test('the hub stops while a client holds a project event socket open, and the client sees it close', async () => {
  h = await startHubHarness();
  await h.post('projects.create', { name: 'alpha', backend: 'local' }, h.adminToken);
  const ws = new WebSocket(`ws://127.0.0.1:${h.hub.port}/api/v1/projects/alpha/events`, { headers: { authorization: `Bearer ${h.adminToken}` } });
  const hello = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`no hello within 30 s (socket state ${ws.readyState})`), 30_000);
    ws.once('message', (m: Buffer) => {
      clearTimeout(timer);
      resolve(m.toString());
    });
  });
  expect(hello).toMatch(/"type":"hello"/);
  const socketClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));

  const outcome = await Promise.race([h.hub.close().then(() => 'stopped'), new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000))]);
  expect(outcome).toBe('stopped');
  await socketClosed;
});
