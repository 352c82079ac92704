// The service on a real local backend, through `dstack server`: runs are
// real runner processes, logs and artifacts real files in a temp DSTACK_HOME.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/common/job';
import { unzipAll } from '../../helpers/unzip';
import type { Harness } from './harness';
import { openEvents, startHarness } from './harness';

const WORKFLOWS = `workflows:
  - name: count
    provider: bash
    commands:
      - for i in 1 2 3 4 5 6 7 8 9 10; do echo "line $i"; sleep 0.15; done
      - mkdir -p out/sub && printf 'hello-artifact' > out/a.txt && printf 'deeper' > out/sub/b.txt
    artifacts:
      - path: out
  - name: burst
    provider: bash
    commands:
      - seq 1 3000
  - name: sleepy
    provider: bash
    commands:
      - sleep 60
`;

let h: Harness;
let project: string;
let events: Awaited<ReturnType<typeof openEvents>>;
let projectId: string;
let call: (op: string, input?: unknown) => Promise<unknown>;

beforeAll(async () => {
  h = await startHarness();
  project = await mkdtemp(join(tmpdir(), 'dstack-srvproj-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'w.yaml'), WORKFLOWS);
  events = await openEvents(h);
  call = async (op, input) => {
    const r = await h.call(op, input, { 'x-dstack-client': events.clientId });
    if ('error' in r.body) throw new Error(`${op}: ${JSON.stringify(r.body.error)}`);
    return r.body.result;
  };
  await call('setup.useLocal');
  projectId = ((await call('projects.open', { path: project })) as { id: string }).id;
});
afterAll(async () => {
  events.close();
  await h.close();
  await rm(project, { recursive: true, force: true });
});

const runIn = (runs: RunSummary[], name: string) => runs.find((r) => r.runName === name);

async function runToEnd(workflow: string): Promise<string> {
  const { runName } = (await call('runs.submit', { projectId, workflow, args: [] })) as { runName: string };
  const watch = (await call('runs.watch', { projectId })) as { subscriptionId: string };
  await events.waitFor('runs.changed', (p) => p.subscriptionId === watch.subscriptionId && runIn(p.runs, runName)?.status === 'done');
  await call('events.unsubscribe', watch);
  return runName;
}

describe('runs, live', () => {
  it('pushes runs.changed from one poller per project, only on change, and logs while the run runs', async () => {
    const a = (await call('runs.watch', { projectId })) as { subscriptionId: string };
    const b = (await call('runs.watch', { projectId })) as { subscriptionId: string };
    expect(h.server.service.ctx.watcher.pollerCount).toBe(1);
    await events.waitFor('runs.changed', (p) => p.subscriptionId === a.subscriptionId);

    const { runName } = (await call('runs.submit', { projectId, workflow: 'count', args: [] })) as { runName: string };
    const logs = (await call('logs.follow', { projectId, runName })) as { subscriptionId: string };
    await events.waitFor('runs.changed', (p) => p.subscriptionId === a.subscriptionId && runIn(p.runs, runName)?.status === 'running', 15_000);
    const firstLines = await events.waitFor('logs.lines', (p) => p.subscriptionId === logs.subscriptionId && p.lines.some((l) => l.text === 'line 1'));
    const done = await events.waitFor('runs.changed', (p) => p.subscriptionId === b.subscriptionId && runIn(p.runs, runName)?.status === 'done');
    expect(runIn(done.runs, runName)).toMatchObject({ workflowName: 'count', backend: 'local' });

    // Lines arrived while the job was still running: before the watcher saw it done.
    const at = (payload: unknown) => events.events.find((e) => e.payload === payload)!.at;
    expect(at(firstLines)).toBeLessThan(at(done));

    const end = await events.waitFor('logs.lines', (p) => p.subscriptionId === logs.subscriptionId && p.done);
    const texts = events.events.filter((e) => e.event === 'logs.lines' && e.payload.subscriptionId === logs.subscriptionId)
      .flatMap((e) => (e.event === 'logs.lines' ? e.payload.lines.map((l) => l.text) : []));
    expect(texts.filter((t) => t.startsWith('line '))).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
    expect(end.done).toBe(true);

    // Only changes are pushed: no subscription ever got the same list twice in a row.
    const lists = events.events.flatMap((e) =>
      e.event === 'runs.changed' && e.payload.subscriptionId === a.subscriptionId ? [JSON.stringify(e.payload.runs)] : [],
    );
    for (let i = 1; i < lists.length; i++) expect(lists[i]).not.toBe(lists[i - 1]);

    await call('events.unsubscribe', a);
    expect(h.server.service.ctx.watcher.pollerCount).toBe(1);
    await call('events.unsubscribe', b);
    expect(h.server.service.ctx.watcher.pollerCount).toBe(0);
  });

  it('delivers a long log completely, in a few events', async () => {
    const { runName } = (await call('runs.submit', { projectId, workflow: 'burst', args: [] })) as { runName: string };
    const { subscriptionId } = (await call('logs.follow', { projectId, runName })) as { subscriptionId: string };
    await events.waitFor('logs.lines', (p) => p.subscriptionId === subscriptionId && p.done);
    const batches = events.events.filter((e) => e.event === 'logs.lines' && e.payload.subscriptionId === subscriptionId);
    const span = batches.at(-1)!.at - batches[0]!.at;
    const numbers = batches.flatMap((e) => (e.event === 'logs.lines' ? e.payload.lines : [])).map((l) => l.text).filter((t) => /^\d+$/.test(t));
    expect(numbers.length).toBe(3000);
    expect(numbers.at(-1)).toBe('3000');
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(span / 60) + 2);
  });

  it('stops a long run with abort', async () => {
    const { runName } = (await call('runs.submit', { projectId, workflow: 'sleepy', args: [] })) as { runName: string };
    const w = (await call('runs.watch', { projectId })) as { subscriptionId: string };
    await events.waitFor('runs.changed', (p) => p.subscriptionId === w.subscriptionId && runIn(p.runs, runName)?.status === 'running', 15_000);
    const answer = (await call('runs.stop', { projectId, runName, abort: true })) as { runName: string; status: string };
    // The answer is the run as the stop left it (the CLI prints it; a listing right after can miss a run changing status).
    expect([answer.runName, ['running', 'aborted'].includes(answer.status)], JSON.stringify(answer)).toEqual([runName, true]);
    await events.waitFor('runs.changed', (p) => p.subscriptionId === w.subscriptionId && runIn(p.runs, runName)?.status === 'aborted', 15_000);
    await call('events.unsubscribe', w);
  });
});

describe('artifacts over HTTP', () => {
  let runName: string;
  type Entry = { id: string; name: string; isDir: boolean; size: number; cached: boolean };
  const list = async (prefix: string) => ((await call('artifacts.list', { projectId, source: { runName }, prefix })) as { entries: Entry[] }).entries;
  const get = (url: string) => fetch(`${h.base}${url}`, { headers: { authorization: `Bearer ${h.server.token}` } });

  beforeAll(async () => {
    runName = await runToEnd('count');
  });

  it('lists lazily by folder, with ids instead of paths', async () => {
    const top = await list('');
    expect(top.map((e) => [e.name, e.isDir])).toEqual([['out', true]]);
    const inside = await list('out');
    expect(inside.map((e) => e.name).sort()).toEqual(['a.txt', 'sub']);
    for (const e of inside) expect(e.id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('downloads a file as a task with progress, then serves the same bytes to the browser', async () => {
    const file = (await list('out')).find((e) => e.name === 'a.txt')!;
    expect(file.cached).toBe(false);
    const { taskId } = (await call('artifacts.download', { itemId: file.id })) as { taskId: string };
    const done = await events.waitFor('task.progress', (p) => p.taskId === taskId && p.state !== 'running');
    expect(done).toMatchObject({ state: 'done', bytes: 14, total: 14, downloadUrl: `/api/download/${taskId}` });
    const res = await get(done.downloadUrl!);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="a.txt"/);
    expect(await res.text()).toBe('hello-artifact');
    expect((await list('out')).find((e) => e.name === 'a.txt')!.cached).toBe(true);
    expect(await (await get(`/api/download/${file.id}`)).text()).toBe('hello-artifact');
  });

  it('downloads a folder as a .zip with the folder as its top level, with its length announced', async () => {
    const folder = (await list('')).find((e) => e.name === 'out')!;
    const res = await get(`/api/download/${folder.id}`);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/filename="out\.zip"/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(Number(res.headers.get('content-length')));
    const zip = join(project, 'out.zip');
    await writeFile(zip, body);
    const files = unzipAll(zip);
    expect(Object.fromEntries([...files].map(([n, b]) => [n, b.toString('utf8')]))).toEqual({ 'out/a.txt': 'hello-artifact', 'out/sub/b.txt': 'deeper' });
  });

  it('refuses downloads without the token', async () => {
    const file = (await list('out')).find((e) => e.name === 'a.txt')!;
    expect((await fetch(`${h.base}/api/download/${file.id}`)).status).toBe(401);
  });

  it('saves the full log as a download', async () => {
    const out = (await call('logs.save', { projectId, runName })) as { saved: boolean; taskId: string };
    expect(out.saved).toBe(true);
    const done = await events.waitFor('task.progress', (p) => p.taskId === out.taskId && p.state !== 'running');
    expect(done.state).toBe('done');
    const text = await (await get(done.downloadUrl!)).text();
    expect(text).toMatch(/line 1\n[\s\S]*line 10\n/);
  });
});
