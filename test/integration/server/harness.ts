// Starts `dstack server` in-process on a free port with a temporary
// DSTACK_HOME and a stand-in renderer folder, and gives tests an HTTP caller
// and an event socket that behave like the browser client.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ApiEvents, EventName } from '../../../main/common/api/operations';
import type { RunningServer } from '../../../main/server/server';
import { startServer } from '../../../main/server/server';

export interface Harness {
  server: RunningServer;
  home: string;
  base: string;
  call(op: string, input?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'dstack-server-'));
  const rendererDir = join(home, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>dstack</title><div id="root"></div>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const server = await startServer({ home, version: '9.9.9', rendererDir });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    server,
    home,
    base,
    async call(op, input, headers = {}) {
      const res = await fetch(`${base}/api/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
        body: JSON.stringify(input ?? {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      await server.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

type Received = { [E in EventName]: { event: E; payload: ApiEvents[E]; at: number } }[EventName];

/** The browser's event socket: the hello's client id, every event received, and a way to wait for one. */
export async function openEvents(h: Harness) {
  const ws = new WebSocket(`ws://127.0.0.1:${h.server.port}/api/events?token=${h.server.token}`);
  const events: Received[] = [];
  const clientId = await new Promise<string>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; clientId?: string } & Received;
      if (msg.type === 'hello') resolve(msg.clientId!);
      else events.push({ event: msg.event, payload: msg.payload, at: Date.now() } as Received);
    });
  });
  return {
    clientId,
    events,
    /** Resolves with the first event (seen or future) that matches, or fails after `ms`. */
    async waitFor<E extends EventName>(event: E, match: (p: ApiEvents[E]) => boolean, ms = 30_000): Promise<ApiEvents[E]> {
      const end = Date.now() + ms;
      for (;;) {
        const hit = events.find((e) => e.event === event && match(e.payload as ApiEvents[E]));
        if (hit) return hit.payload as ApiEvents[E];
        if (Date.now() > end) throw new Error(`No ${event} event matched within ${ms} ms; got ${JSON.stringify(events).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => ws.close(),
  };
}
