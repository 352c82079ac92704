/**
 * Run latency on the local backend, measured through the real `dstack` bin:
 * - `dstack run` spawned → the job's first log line on its stdout;
 * - the job's last line → status `done` (both stamped by the runner);
 * - the job's last line on stdout → `dstack run` exited.
 * Each is the median of N repetitions, set against a naive loop measured in
 * the same process: spawn `node -e` and wait for its first line, and the time
 * from `bash -c` printing its last line to its exit being seen. The ratio says
 * what dstack's machinery (code snapshot, job record, detached runner, log
 * file, status heads) costs over starting a process by hand.
 *
 * Run alone: `node --import tsx bench/run-latency.ts [--reps N]`.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalBackend } from '../main/backends/local/index';
import { openProject } from '../main/core/project';
import { RunService } from '../main/core/runs';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const BIN = join(ROOT, 'main', 'cli', 'dstack.js');

export interface RunLatencyRow {
  name: string;
  /** Median, in milliseconds. */
  oursMs: number;
  referenceMs: number;
  reference: string;
  /** ours / reference: how many times slower than the naive loop. */
  ratio: number;
}

export interface RunLatencyOptions {
  /** Repetitions per measurement; the median counts. */
  reps?: number;
}

interface Timed {
  firstMs: number;
  lastMs: number;
  exitMs: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Spawns a program and times its first and last stdout lines and its exit, from just before the spawn. */
function timeProcess(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; first: string; last: string }): Promise<Timed> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let firstMs = NaN;
    let lastMs = NaN;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const now = performance.now() - t0;
      if (Number.isNaN(firstMs) && stdout.includes(`${opts.first}\n`)) firstMs = now;
      if (Number.isNaN(lastMs) && stdout.includes(`${opts.last}\n`)) lastMs = now;
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ firstMs, lastMs, exitMs: performance.now() - t0, stdout, stderr, code }));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export async function benchRunLatency(opts: RunLatencyOptions = {}): Promise<RunLatencyRow[]> {
  const reps = opts.reps ?? 5;
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-run-'));
  const project = join(dir, 'hello');
  const home = join(dir, 'home');
  await cp(join(ROOT, 'examples', 'hello'), project, { recursive: true });
  await writeFile(
    join(project, '.dstack', 'workflows', 'bench.yaml'),
    'workflows:\n  - name: bench\n    provider: bash\n    commands:\n      - echo first\n      - echo last\n',
  );
  const service = new RunService(createLocalBackend({ type: 'local', home }));
  const { repo } = await openProject(project);
  const env = { ...process.env, DSTACK_HOME: home };
  const toFirst: number[] = [];
  const endToDone: number[] = [];
  const endToExit: number[] = [];
  const nodeFirst: number[] = [];
  const bashEndToExit: number[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const r = await timeProcess(process.execPath, [BIN, 'run', 'bench'], { cwd: project, env, first: 'first', last: 'last' });
      if (r.code !== 0) throw new Error(`dstack run bench exited ${r.code}: ${r.stderr}`);
      toFirst.push(r.firstMs);
      endToExit.push(r.exitMs - r.lastMs);
      const runName = /Run (\S+) /.exec(r.stderr)?.[1] ?? '';
      const job = await service.get(repo, runName);
      let lastLineAt = NaN;
      for await (const batch of await service.logs(repo, runName)) for (const e of batch) if (e.text === 'last') lastLineAt = e.time;
      endToDone.push((job.finishedAt ?? NaN) - lastLineAt);

      const n = await timeProcess(process.execPath, ['-e', 'console.log("first")'], { first: 'first', last: 'first' });
      nodeFirst.push(n.firstMs);
      const b = await timeProcess('bash', ['-c', 'echo first; echo last'], { first: 'first', last: 'last' });
      bashEndToExit.push(b.exitMs - b.lastMs);
    }
  } finally {
    await service.backend.close();
    await rm(dir, { recursive: true, force: true });
  }
  const row = (name: string, ours: number[], reference: string, ref: number[]): RunLatencyRow => {
    const oursMs = median(ours);
    const referenceMs = median(ref);
    return { name, oursMs, referenceMs, reference, ratio: oursMs / Math.max(referenceMs, 0.001) };
  };
  return [
    row('dstack run → first log line', toFirst, 'spawn node -e → first line', nodeFirst),
    row('job end → status done (runner)', endToDone, 'bash last line → exit seen', bashEndToExit),
    row('job end → dstack run exits', endToExit, 'bash last line → exit seen', bashEndToExit),
  ];
}

export function formatRunLatency(rows: RunLatencyRow[]): string {
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(32)} ours ${r.oursMs.toFixed(1).padStart(8)} ms   ${r.reference.padEnd(28)} ${r.referenceMs.toFixed(1).padStart(7)} ms   ratio ${r.ratio.toFixed(1)}`,
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--reps');
  const rows = await benchRunLatency({ reps: i > 0 ? Number(process.argv[i + 1]) : undefined });
  console.log(formatRunLatency(rows));
}
