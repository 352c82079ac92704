/**
 * The team hub under load (issue 11's benchmark), in this process on a free
 * port, on its embedded SQLite store, with one local-backend project:
 * - `runs.list` through the hub's HTTP API with 10,000 finished runs in the
 *   project, p50 and p99, against the same call on a local backend with no
 *   hub (RunService.list on the same storage), in alternating rounds so load
 *   hits both alike; once as `dstack ps` asks (unfinished runs and the
 *   latest) and once with `all`. Both are long-lived (as a hub, `dstack
 *   server` or the app): they keep a listing while the storage says nothing
 *   changed. So `ps` as a CLI command (a fresh backend, nothing kept) is
 *   timed too, on the same storage; and the `ps` form while runs change (a
 *   runner moves one run a step before every call, as in a busy team), on
 *   which the target is judged: p99 under 50 ms.
 * - 50 clients following one run's log through the hub's event socket at
 *   once (`logs.follow`, lines in `logs.lines` events): lines per second
 *   over all clients, and the slowest client's time against the median
 *   client's (1 = nobody starved).
 * The runs are stored through JobStore.create (record, status head and
 * live-index markers) without being run: 10,000 real runs would take hours.
 *
 * Run alone: `node --import tsx bench/hub.ts [--runs N] [--clients N]`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { createLocalBackend } from '../main/backends/local/index';
import type { ApiEvents } from '../main/common/api/operations';
import type { Job } from '../main/common/job';
import { JobStore } from '../main/core/jobs';
import { openProject } from '../main/core/project';
import { RunService } from '../main/core/runs';
import { startHub } from '../main/hub/server/hub-server';
import { projectHome } from '../main/hub/server/project-backend';
import { openHubStore } from '../main/hub/sql-store';
import { RACY_MS } from '../main/backends/local/folder-cache';
import { jobRecord } from '../test/helpers/job-record';
import { median } from './proc';
import { markdownTable, pairedRow, type Row } from './table';

export interface HubBenchOptions {
  /** Finished runs in the project for `runs.list`. */
  runs?: number;
  /** Rounds of `runs.list` as `ps` asks, alternating hub and local; each round makes `callsPerRound` calls on each side. */
  rounds?: number;
  callsPerRound?: number;
  /** The same for `runs.list` with `all`, which reads every record the first time. */
  allRounds?: number;
  allCallsPerRound?: number;
  /** Clients following one log at once. */
  clients?: number;
  /** Lines in the followed log. */
  lines?: number;
}

export interface HubBenchResult {
  rows: Row[];
  notes: string[];
}

/** The p-th percentile (0–100) of `xs`, nearest rank. */
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

function finishedJob(repo: string, i: number, now: number): Job {
  return { ...submittedJob(repo, `bench-run-${i}`, now - i * 1000), status: 'done', updatedAt: now, startedAt: now - i * 1000 + 10, finishedAt: now - i * 1000 + 20, exitCode: 0 };
}

/** A submitted run of the bench's workflow, as written straight into storage; test/helpers/job-record.ts holds the fields every test and bench record shares. */
function submittedJob(repo: string, runName: string, submittedAt: number): Job {
  return jobRecord({ runName, repo, submittedAt, workflowName: 'bench', commands: ['echo hi'], code: { key: `code/${repo}/none.tar.gz`, hash: 'none', files: 0, bytes: 0 } });
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function benchHub(opts: HubBenchOptions = {}): Promise<HubBenchResult> {
  const runs = opts.runs ?? 10_000;
  const psRounds = opts.rounds ?? 3;
  const psCalls = opts.callsPerRound ?? 20;
  const allRounds = opts.allRounds ?? 2;
  const allCalls = opts.allCallsPerRound ?? 10;
  const clients = opts.clients ?? 50;
  const lines = opts.lines ?? 20_000;
  const home = await mkdtemp(join(tmpdir(), 'dstack-bench-hub-'));
  const store = await openHubStore({ home });
  const admin = await store.bootstrapAdmin('admin');
  if (!admin) throw new Error('The bench hub store already had an admin.');
  // No reconcile pass during the measurement: a minute is longer than the bench.
  const hub = await startHub({ store, home, version: '0.1.0', port: 0, reconcileEveryMs: 600_000 });
  const local = new RunService(createLocalBackend({ type: 'local', home: projectHome(join(home, 'hub'), 'bench') }));
  const base = `${hub.url}api/v1/`;
  const call = async (path: string, input: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}`, ...headers }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: unknown; error?: unknown };
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
    return body.result;
  };
  try {
    await call('projects.create', { name: 'bench', backend: 'local' });
    const workspace = join(projectHome(join(home, 'hub'), 'bench'), 'workspace');
    await mkdir(join(workspace, '.dstack', 'workflows'), { recursive: true });
    await writeFile(join(workspace, '.dstack', 'workflows', 'bench.yaml'), `workflows:\n  - name: lines\n    provider: bash\n    commands:\n      - seq 1 ${lines}\n`);
    await hub.services.projectId('bench');
    const { repo } = await openProject(workspace);

    // The followed run first, so its log is complete before the listing rounds load the machine.
    const { runName } = (await call('projects/bench/ops/runs.submit', { projectId: 'bench', workflow: 'lines', args: [] })) as { runName: string };
    for (let t0 = Date.now(); ; ) {
      const status = (await local.get(repo, runName)).status;
      if (status === 'done') break;
      if (status === 'failed' || status === 'aborted' || status === 'stopped') throw new Error(`The bench's log run ${runName} ended ${status}.`);
      if (Date.now() - t0 > 120_000) throw new Error(`The bench's log run ${runName} was still ${status} after 2 minutes.`);
      await new Promise((r) => setTimeout(r, 100));
    }

    console.log(`writing ${runs.toLocaleString('en')} finished runs into the project's storage`);
    const jobs = new JobStore(local.backend.storage);
    const now = Date.now();
    const seeding = performance.now();
    await pool(Array.from({ length: runs }, (_, i) => i + 1), 32, (i) => jobs.create(finishedJob(repo, i, now)));
    console.log(`  took ${((performance.now() - seeding) / 1000).toFixed(0)} s`);

    const rows: Row[] = [];
    const notes: string[] = [];
    // Local storage keeps a folder's read only once the folder has been quiet for RACY_MS; a hub then answers from what it kept.
    await new Promise((r) => setTimeout(r, RACY_MS + 500));
    for (const all of [false, true]) {
      // The first call after the runs changed lists (and with `all`, reads) everything: timed on its own, not in the rounds.
      const coldHub = await timed(() => call('projects/bench/ops/runs.list', { projectId: 'bench', all }));
      const coldLocal = await timed(() => local.list(repo, { all }));
      notes.push(
        `runs.list${all ? ' all' : ''}, first call after the runs were written (nothing kept yet${all ? '' : '; the hub\'s call indexes the project once, for both'}): ${coldHub.toFixed(0)} ms through the hub, ${coldLocal.toFixed(0)} ms local.`,
      );
      const rounds = all ? allRounds : psRounds;
      const callsPerRound = all ? allCalls : psCalls;
      const hubP50: number[] = [];
      const hubP99: number[] = [];
      const localP50: number[] = [];
      const localP99: number[] = [];
      let listed = 0;
      console.log(`runs.list${all ? ' all' : ''}: ${rounds} rounds of ${callsPerRound} calls each way`);
      const started = performance.now();
      for (let r = 0; r < rounds; r++) {
        const viaHub: number[] = [];
        const direct: number[] = [];
        for (let c = 0; c < callsPerRound; c++) {
          viaHub.push(await timed(async () => (listed = ((await call('projects/bench/ops/runs.list', { projectId: 'bench', all })) as unknown[]).length)));
          direct.push(await timed(() => local.list(repo, { all })));
        }
        hubP50.push(percentile(viaHub, 50));
        hubP99.push(percentile(viaHub, 99));
        localP50.push(percentile(direct, 50));
        localP99.push(percentile(direct, 99));
      }
      const what = all ? `hub \`runs.list\` with all (${listed} runs listed of ${runs + 1})` : `hub \`runs.list\` as \`ps\` (${listed} of ${runs + 1} runs)`;
      const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
      rows.push(pairedRow(`${what}, p50`, 'local RunService.list', hubP50, localP50, fmt));
      rows.push(pairedRow(`${what}, p99`, 'local RunService.list', hubP99, localP99, fmt));
      console.log(`  took ${((performance.now() - started) / 1000).toFixed(0)} s`);
      notes.push(`runs.list${all ? ' all' : ''} through the hub, runs unchanged: p99 ${median(hubP99).toFixed(1)} ms (median of ${rounds} rounds of ${callsPerRound} calls; worst round ${Math.max(...hubP99).toFixed(1)} ms).`);
    }

    // As `dstack ps` runs: a new process, so a new backend with nothing kept; paired with the long-lived local call.
    const freshTimes: number[] = [];
    const keptTimes: number[] = [];
    for (let c = 0; c < psCalls; c++) {
      const fresh = new RunService(createLocalBackend({ type: 'local', home: projectHome(join(home, 'hub'), 'bench') }));
      freshTimes.push(await timed(() => fresh.list(repo)));
      await fresh.backend.close();
      keptTimes.push(await timed(() => local.list(repo)));
    }
    rows.push(pairedRow(`\`runs.list\` as \`ps\` in a fresh backend (a CLI command's), p50`, 'long-lived local RunService.list', [percentile(freshTimes, 50)], [percentile(keptTimes, 50)], (ms) => `${ms.toFixed(1)} ms`));
    rows.push(pairedRow(`\`runs.list\` as \`ps\` in a fresh backend, p99`, 'long-lived local RunService.list', [percentile(freshTimes, 99)], [percentile(keptTimes, 99)], (ms) => `${ms.toFixed(1)} ms`));

    // A runner's own backend, as a runner process has: its writes reach the hub's and the local listing only through the folder.
    const runner = createLocalBackend({ type: 'local', home: projectHome(join(home, 'hub'), 'bench') });
    try {
      console.log(`runs.list while runs change: ${psRounds} rounds of ${psCalls} calls each way`);
      const changing = await listWhileChanging(new JobStore(runner.storage), repo, psRounds, psCalls, () => call('projects/bench/ops/runs.list', { projectId: 'bench' }), () => local.list(repo));
      const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
      rows.push(pairedRow(`hub \`runs.list\` as \`ps\` while runs change (a run moves a step before every call), p50`, 'local RunService.list', changing.hubP50, changing.localP50, fmt));
      rows.push(pairedRow(`hub \`runs.list\` as \`ps\` while runs change, p99`, 'local RunService.list', changing.hubP99, changing.localP99, fmt));
      const worst = Math.max(...changing.hubP99);
      notes.push(`runs.list as ps while runs change, through the hub: p99 ${median(changing.hubP99).toFixed(1)} ms (median of ${psRounds} rounds of ${psCalls} calls; worst round ${worst.toFixed(1)} ms; local ${median(changing.localP99).toFixed(1)} ms); target under 50 ms: ${worst < 50 ? 'met' : 'missed'}.`);
    } finally {
      await runner.close();
    }

    console.log(`${clients} clients following a ${lines}-line log`);
    rows.push(await followLogs(hub.port, admin.token, runName, clients, lines, call));
    return { rows, notes };
  } finally {
    await hub.close();
    await local.backend.close();
    await store.close();
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * `runs.list` as `ps` while runs change, through the hub and locally, call
 * for call: before every call `writer` (a runner's store) moves one run a
 * step, a new run submitted, then running, uploading and done, so no call can answer
 * from a listing kept while nothing changed. Percentiles per round.
 */
async function listWhileChanging(writer: JobStore, repo: string, rounds: number, calls: number, viaHub: () => Promise<unknown>, direct: () => Promise<unknown>): Promise<{ hubP50: number[]; hubP99: number[]; localP50: number[]; localP99: number[] }> {
  let step = 0;
  const change = async () => {
    const runName = `bench-live-${Math.floor(step / 4)}`;
    const jobId = `${runName},bench,0`;
    const now = Date.now();
    if (step % 4 === 0) await writer.create(submittedJob(repo, runName, now));
    else if (step % 4 === 1) await writer.setStatus(repo, jobId, 'running', { startedAt: now });
    else if (step % 4 === 2) await writer.setStatus(repo, jobId, 'uploading');
    else await writer.setStatus(repo, jobId, 'done', { finishedAt: now, exitCode: 0 });
    step++;
  };
  const out = { hubP50: [] as number[], hubP99: [] as number[], localP50: [] as number[], localP99: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const hub: number[] = [];
    const local: number[] = [];
    for (let c = 0; c < calls; c++) {
      await change();
      hub.push(await timed(viaHub));
      await change();
      local.push(await timed(direct));
    }
    out.hubP50.push(percentile(hub, 50));
    out.hubP99.push(percentile(hub, 99));
    out.localP50.push(percentile(local, 50));
    out.localP99.push(percentile(local, 99));
  }
  return out;
}

/**
 * `clients` sockets on the project's events, each following the same log to
 * its end; one client alone first, as the reference. Each client's time runs
 * from its `logs.follow` call to its `done` event.
 */
async function followLogs(port: number, token: string, runName: string, clients: number, lines: number, call: (path: string, input: unknown, headers?: Record<string, string>) => Promise<unknown>): Promise<Row> {
  const follow = async (): Promise<number> => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/projects/bench/events`, { headers: { authorization: `Bearer ${token}` } });
    try {
      let got = 0;
      let t0 = 0;
      const finished = new Promise<number>((resolve, reject) => {
        ws.on('message', (data) => {
          const msg = JSON.parse(String(data)) as { event?: string; payload?: ApiEvents['logs.lines'] };
          if (msg.event !== 'logs.lines') return;
          if (msg.payload!.error) reject(new Error(`A follower's log ended in an error: ${msg.payload!.error.message}`));
          got += msg.payload!.lines.length;
          if (msg.payload!.done) resolve(performance.now() - t0);
        });
        ws.once('error', reject);
      });
      const clientId = await new Promise<string>((resolve, reject) => {
        ws.on('message', (data) => {
          const msg = JSON.parse(String(data)) as { type: string; clientId?: string };
          if (msg.type === 'hello') resolve(msg.clientId!);
        });
        ws.once('error', reject);
      });
      t0 = performance.now();
      await call('projects/bench/ops/logs.follow', { projectId: 'bench', runName }, { 'x-dstack-client': clientId });
      const ms = await finished;
      if (got < lines) throw new Error(`A follower got ${got} of ${lines} lines before its log said done.`);
      return ms;
    } finally {
      ws.terminate();
    }
  };
  const alone = await follow();
  const t0 = performance.now();
  const each = await Promise.all(Array.from({ length: clients }, () => follow()));
  const wall = performance.now() - t0;
  const slowest = Math.max(...each);
  const mid = median(each);
  return {
    what: `${clients} clients following one ${lines.toLocaleString('en')}-line log through the hub`,
    ours: `${Math.round((clients * lines) / (wall / 1000)).toLocaleString('en')} lines/s in all; slowest client ${(slowest / 1000).toFixed(2)} s, median ${(mid / 1000).toFixed(2)} s`,
    reference: `one client alone ${(alone / 1000).toFixed(2)} s`,
    // The slowest client's share: median client time over the slowest one's (1 = nobody starved).
    ratios: [mid / slowest],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const result = await benchHub({ runs: arg('--runs'), clients: arg('--clients'), lines: arg('--lines'), rounds: arg('--rounds'), callsPerRound: arg('--calls') });
  console.log(markdownTable(result.rows));
  for (const n of result.notes) console.log(`- ${n}`);
}
