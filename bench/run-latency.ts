/**
 * Run latency on the local backend, measured through the real `dstack` bin:
 * - `dstack run` spawned → the job's first log line on its stdout;
 * - the job's last line → status `done` (both stamped by the runner);
 * - the job's last line on stdout → `dstack run` exited.
 * Each repetition is paired with a naive loop measured right after it: spawn
 * `node -e` and wait for its first line, and the time from `bash -c` printing
 * its last line to its exit being seen; the ratio is taken per repetition and
 * its median and minimum reported. It says what dstack's machinery (code
 * snapshot, job record, detached runner, log file, status heads) costs over
 * starting a process by hand.
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
import { markdownTable, pairedRow, type Row } from './table';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const BIN = join(ROOT, 'main', 'cli', 'dstack.js');

export interface RunLatencyOptions {
  /** Paired repetitions; the median and minimum ratio count. */
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

export async function benchRunLatency(opts: RunLatencyOptions = {}): Promise<Row[]> {
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
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  return [
    pairedRow('`dstack run` → first log line (local)', 'spawn node -e → first line', toFirst, nodeFirst, fmt),
    pairedRow('job end → status done (runner)', 'bash last line → exit seen', endToDone, bashEndToExit, fmt),
    pairedRow('job end → `dstack run` exits', 'bash last line → exit seen', endToExit, bashEndToExit, fmt),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--reps');
  const rows = await benchRunLatency({ reps: i > 0 ? Number(process.argv[i + 1]) : undefined });
  console.log(markdownTable(rows));
}
