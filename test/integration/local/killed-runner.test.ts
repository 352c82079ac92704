// A local runner killed with SIGKILL cannot end its job's processes or free
// its work folder itself; reconcile must do both, and fail the run with a
// reason, so nothing keeps running (or filling the disk) behind a dead run.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createBackend, localBackendConfig } from '../../../main/backends/index';
import type { Backend } from '../../../main/core/backend';
import { openProject } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { Job } from '../../../main/common/job';
import { endJobGroup, processStartTime } from '../../../main/node/job-footprint';
import { waitFor } from '../../helpers/wait';

let home: string;
let project: string;
let backend: Backend;
const pids: number[] = [];

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-home-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-project-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(
    join(project, '.dstack', 'workflows', 'sleeper.yaml'),
    [
      'workflows:',
      '  - name: sleeper',
      '    provider: bash',
      '    commands:',
      '      - head -c 1048576 /dev/urandom > payload.bin',
      '      - sleep 300 &',
      '      - echo "pids $$ $!"',
      '      - echo "dir $PWD"',
      '      - wait',
      '',
    ].join('\n'),
  );
  backend = await createBackend(localBackendConfig(home));
}, 240_000);
afterEach(async () => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await backend.close();
  await rm(home, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
}, 240_000);

/** Running, not a zombie waiting to be reaped (a container's PID 1 may never reap it). */
async function running(pid: number): Promise<boolean> {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** The shared deadline poll (test/helpers/wait.ts), with this file's longer default for a loaded machine. */
function poll<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, ms = 120_000): Promise<T> {
  return waitFor(what, probe, done, { timeoutMs: ms, everyMs: 100 });
}

async function logText(job: Job): Promise<string> {
  let text = '';
  for await (const batch of backend.logs.read(job)) for (const e of batch) text += `${e.text}\n`;
  return text;
}

it('ends the job processes, fails the run and removes its work folder when its runner was killed', async () => {
  const { repo } = await openProject(project);
  const runs = new RunService(backend);
  const job = await runs.submit(project, 'sleeper');
  const log = await poll('the job to print its pids and folder', () => logText(job), (t) => /pids \d+ \d+\ndir .+\n/.test(t));
  const [, shell, sleeper] = /pids (\d+) (\d+)/.exec(log)!.map(Number);
  const workdir = /dir (.+)\n/.exec(log)![1]!;
  pids.push(shell!, sleeper!);
  expect([await running(shell!), await running(sleeper!)]).toEqual([true, true]);
  expect((await stat(join(workdir, 'payload.bin'))).size).toBe(1048576);

  const runner = Number(await readFile(join(home, 'local', 'runners', `${job.id}.pid`), 'utf8'));
  process.kill(runner, 'SIGKILL');
  await poll('the runner to die', () => running(runner), (alive) => !alive);

  await runs.reconcile(repo, 0);
  await backend.compute.reconcile();

  const left = await poll(
    'the job processes to end',
    async () => {
      const alive: string[] = [];
      if (await running(shell!)) alive.push(`shell ${shell}`);
      if (await running(sleeper!)) alive.push(`sleep ${sleeper}`);
      return alive;
    },
    (alive) => alive.length === 0,
    30_000,
  );
  expect(left).toEqual([]);
  const end = await runs.get(repo, job.runName);
  expect([end.status, end.statusReason]).toEqual(['failed', 'The runner exited without finishing the job.']);
  await expect(stat(workdir)).rejects.toMatchObject({ code: 'ENOENT' });
}, 240_000);

it('ends the job processes within seconds of its runner being killed, before anyone reconciles', async () => {
  const job = await new RunService(backend).submit(project, 'sleeper');
  const log = await poll('the job to print its pids', () => logText(job), (t) => /pids \d+ \d+\n/.test(t));
  const [, shell, sleeper] = /pids (\d+) (\d+)/.exec(log)!.map(Number);
  pids.push(shell!, sleeper!);
  const runner = Number(await readFile(join(home, 'local', 'runners', `${job.id}.pid`), 'utf8'));
  process.kill(runner, 'SIGKILL');
  expect([await running(shell!), await running(sleeper!)]).toEqual([true, true]);
  const alive = await poll(
    'the job processes to end without a reconcile',
    async () => {
      const still: string[] = [];
      if (await running(shell!)) still.push(`shell ${shell}`);
      if (await running(sleeper!)) still.push(`sleep ${sleeper}`);
      return still;
    },
    (still) => still.length === 0,
    30_000,
  );
  expect(alive).toEqual([]);
}, 240_000);

it('leaves alone a process group whose leader pid now belongs to another process', async () => {
  const other = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  pids.push(other.pid!);
  const startTime = await processStartTime(other.pid!);
  expect(startTime).toMatch(/^\d+$/);
  // A record of an earlier job whose leader had this pid, started at another time.
  await endJobGroup({ pgid: other.pid!, startTime: String(Number(startTime) - 1) });
  await new Promise((r) => setTimeout(r, 200));
  expect(await running(other.pid!)).toBe(true);
  await endJobGroup({ pgid: other.pid!, startTime });
  expect(await poll('the recorded group to end', () => running(other.pid!), (alive) => !alive, 10_000)).toBe(false);
}, 240_000);
