// A client that opens the event socket and then never reads must not make
// the server hold everything it would have sent (the attack pass grew it
// from 101 to 566 MiB). The server stops sending to it once its backlog
// passes MAX_BUFFERED, closes it with a reason, and keeps serving others.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/common/job';
import { MAX_BUFFERED, SLOW_CLIENT_CLOSE } from '../../../main/server/events-socket';
import type { Harness } from './harness';
import { openEvents, startHarness } from './harness';

const LINES = 100_000;
const TEXT = 'x'.repeat(200);
// Each follow replays the whole log (about 27 MB of events); the stalled client asks for it this many times.
const FOLLOWS = 4;
// What the kernel's socket buffers may hold beyond the server's own backlog (loopback send plus receive buffers).
const KERNEL_ALLOWANCE = 16 * 1024 * 1024;

let h: Harness;
let project: string;
let projectId: string;
let runName: string;

beforeAll(async () => {
  h = await startHarness();
  project = await mkdtemp(join(tmpdir(), 'dstack-slowclient-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(
    join(project, '.dstack', 'workflows', 'w.yaml'),
    `workflows:\n  - name: flood\n    provider: bash\n    commands:\n      - yes '${TEXT}' | head -n ${LINES}\n`,
  );
  const watcher = await openEvents(h);
  const call = async (op: string, input?: unknown) => {
    const r = await h.call(op, input, { 'x-dstack-client': watcher.clientId });
    if ('error' in r.body) throw new Error(`${op}: ${JSON.stringify(r.body.error)}`);
    return r.body.result;
  };
  await call('setup.useLocal');
  projectId = ((await call('projects.open', { path: project })) as { id: string }).id;
  ({ runName } = (await call('runs.submit', { projectId, workflow: 'flood', args: [] })) as { runName: string });
  const watch = (await call('runs.watch', { projectId })) as { subscriptionId: string };
  const done = await watcher.waitFor(
    'runs.changed',
    (p) => p.subscriptionId === watch.subscriptionId && ['done', 'failed'].includes(p.runs.find((r: RunSummary) => r.runName === runName)?.status ?? ''),
    120_000,
  );
  expect(done.runs.find((r) => r.runName === runName)?.status).toBe('done');
  watcher.close();
}, 180_000);

afterAll(async () => {
  await h?.close();
  await rm(project, { recursive: true, force: true });
});

it('closes a client that stops reading once its backlog passes the bound, and keeps serving the others', async () => {
  // The stalled client: completes the upgrade, takes its hello, then stops reading its socket.
  const stalled = new WebSocket(`ws://127.0.0.1:${h.server.port}/api/events?token=${h.server.token}`);
  const stalledId = await new Promise<string>((resolve, reject) => {
    stalled.once('error', reject);
    stalled.once('message', (data) => resolve((JSON.parse(String(data)) as { clientId: string }).clientId));
  });
  stalled.pause();
  let received = 0;
  stalled.on('message', (data: Buffer) => (received += data.length));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => stalled.on('close', (code, reason) => resolve({ code, reason: String(reason) })));

  // What the service hands the socket layer for the stalled client: the bytes it would hold without back-pressure.
  let produced = 0;
  const stopCounting = h.server.service.hub.listen((event, payload, clientId) => {
    if (clientId === stalledId) produced += JSON.stringify({ type: 'event', event, payload }).length;
  });

  const healthy = await openEvents(h);
  const follow = async (clientId: string) => {
    const r = await h.call('logs.follow', { projectId, runName }, { 'x-dstack-client': clientId });
    if ('error' in r.body) throw new Error(`logs.follow: ${JSON.stringify(r.body.error)}`);
    return (r.body.result as { subscriptionId: string }).subscriptionId;
  };
  const stalledSubs: string[] = [];
  for (let i = 0; i < FOLLOWS; i++) stalledSubs.push(await follow(stalledId));
  const healthySub = await follow(healthy.clientId);

  // The healthy client gets the whole log while the stalled one is ignored.
  await healthy.waitFor('logs.lines', (p) => p.subscriptionId === healthySub && p.done, 120_000);
  const lines = healthy.events.flatMap((e) => (e.event === 'logs.lines' && e.payload.subscriptionId === healthySub ? e.payload.lines : []));
  expect(lines.filter((l) => l.text === TEXT)).toHaveLength(LINES);

  // Every stalled follow has ended: read to its end, or ended by the server when it closed the client.
  const hub = h.server.service.hub;
  const end = Date.now() + 120_000;
  while (stalledSubs.some((id) => hub.hasSubscription(id))) {
    if (Date.now() > end) throw new Error(`stalled follows still running after 120 s; ${produced} bytes produced for the client`);
    await new Promise((r) => setTimeout(r, 50));
  }
  stopCounting();

  // Now read what the server had queued for the stalled client: all of it without back-pressure, at most the bound with it.
  stalled.resume();
  const deadline = Date.now() + 120_000;
  let outcome: { code: number; reason: string } | undefined;
  void closed.then((c) => (outcome = c));
  while (!outcome && received < produced) {
    if (Date.now() > deadline) throw new Error(`the stalled client read ${received} of ${produced} bytes and was not closed within 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const summary = `received ${(received / 2 ** 20).toFixed(1)} MiB of ${(produced / 2 ** 20).toFixed(1)} MiB produced; close: ${JSON.stringify(outcome)}`;
  expect(received, summary).toBeLessThan(MAX_BUFFERED + KERNEL_ALLOWANCE);
  expect(outcome, summary).toEqual({ code: SLOW_CLIENT_CLOSE, reason: expect.stringMatching(/not reading/) });

  // The server still serves: the healthy socket stays open and a call answers.
  expect((await h.call('app.info')).status).toBe(200);
  expect(healthy.events.length).toBeGreaterThan(0);
  healthy.close();
}, 300_000);
