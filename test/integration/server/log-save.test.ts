/**
 * "Save full log" through `dstack server` on a real local run: the save is a
 * task whose progress events report bytes as they are written, and the
 * finished file holds every line. The writer itself (service/log-file.ts) is
 * checked to put each batch on disk before it asks for the next, which is
 * what keeps a long log out of memory.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/common/job';
import type { LogEvent } from '../../../main/common/log-event';
import { logLine, writeLogFile } from '../../../main/service/log-file';
import type { Harness } from './harness';
import { openEvents, startHarness } from './harness';

const LINES = 60_000;
let h: Harness;
let project: string;
let events: Awaited<ReturnType<typeof openEvents>>;
let call: (op: string, input?: unknown) => Promise<unknown>;

beforeAll(async () => {
  h = await startHarness();
  project = await mkdtemp(join(tmpdir(), 'dstack-logsave-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'w.yaml'), `workflows:\n  - name: many\n    provider: bash\n    commands:\n      - seq 1 ${LINES}\n`);
  events = await openEvents(h);
  call = async (op, input) => {
    const r = await h.call(op, input, { 'x-dstack-client': events.clientId });
    if ('error' in r.body) throw new Error(`${op}: ${JSON.stringify(r.body.error)}`);
    return r.body.result;
  };
  await call('setup.useLocal');
});
afterAll(async () => {
  events.close();
  await h.close();
  await rm(project, { recursive: true, force: true });
});

describe('logs.save', () => {
  it('streams the whole log to a file as a task with progress, and serves it', async () => {
    const projectId = ((await call('projects.open', { path: project })) as { id: string }).id;
    const { runName } = (await call('runs.submit', { projectId, workflow: 'many', args: [] })) as { runName: string };
    const watch = (await call('runs.watch', { projectId })) as { subscriptionId: string };
    await events.waitFor('runs.changed', (p) => p.subscriptionId === watch.subscriptionId && p.runs.some((r: RunSummary) => r.runName === runName && r.status === 'done'), 60_000);

    const out = (await call('logs.save', { projectId, runName })) as { saved: boolean; taskId?: string };
    expect(out).toMatchObject({ saved: true, taskId: expect.any(String) });
    const done = await events.waitFor('task.progress', (p) => p.taskId === out.taskId && p.state !== 'running', 60_000);
    expect(done).toMatchObject({ state: 'done', downloadUrl: expect.any(String) });
    const progress = events.events.filter((e) => e.event === 'task.progress' && e.payload.taskId === out.taskId).map((e) => (e.payload as { bytes: number }).bytes);
    expect(done.bytes).toBeGreaterThan(LINES * 25);
    expect(progress.at(-1)).toBe(done.bytes);

    const res = await fetch(`${h.base}${done.downloadUrl}`, { headers: { authorization: `Bearer ${h.server.token}` } });
    const text = await res.text();
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => / \d+$/.test(l)).map((l) => Number(l.split(' ').pop()))).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(Buffer.byteLength(text)).toBe(done.bytes);
  });
});

describe('writeLogFile', () => {
  it('puts each batch on disk before it asks for the next, and leaves no partial behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dstack-logfile-'));
    const target = join(dir, 'run.log');
    const batch = (k: number): LogEvent[] => Array.from({ length: 1000 }, (_, i) => ({ id: `${k}-${i}`, time: 0, stream: 'stdout', text: `b${k} l${i}` }));
    const sizes = Array.from({ length: 20 }, (_, k) => batch(k).map(logLine).join('').length);
    const upTo = (n: number) => sizes.slice(0, n).reduce((a, b) => a + b, 0);
    const onDiskWhenAsked: number[] = [];
    const reported: number[] = [];
    async function* batches(): AsyncGenerator<LogEvent[]> {
      for (let k = 0; k < 20; k++) {
        const partial = (await readdir(dir)).find((f) => f.endsWith('.partial'));
        onDiskWhenAsked.push(partial ? (await stat(join(dir, partial))).size : -1);
        yield batch(k);
      }
    }
    const bytes = await writeLogFile(batches(), target, { signal: new AbortController().signal, progress: (b) => reported.push(b) });
    expect(onDiskWhenAsked).toEqual(Array.from({ length: 20 }, (_, k) => upTo(k)));
    expect(reported).toEqual(Array.from({ length: 20 }, (_, k) => upTo(k + 1)));
    expect(bytes).toBe(upTo(20));
    expect((await readFile(target, 'utf8')).split('\n')).toHaveLength(20 * 1000 + 1);
    expect(await readdir(dir)).toEqual(['run.log']);
    await rm(dir, { recursive: true, force: true });
  });
});
