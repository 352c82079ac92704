// A full disk under DSTACK_HOME: a run that fills it fails with "disk full",
// naming the folder and the fix, and `ps`, `stop -x` and `rm` keep working
// while the disk is full. DSTACK_HOME is a 2 MiB tmpfs, which needs root to
// mount (CI runs the tests as root).
import { execFile } from 'node:child_process';
import { appendFile, mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend, localBackendConfig } from '../../../main/backends/index';
import { createLocalBackend } from '../../../main/backends/local/index';
import { DstackError } from '../../../main/common/errors';
import { isTerminal } from '../../../main/common/status';
import { openProject } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { Cli } from './cli';
import { helloProject, ROOT, runNameIn } from './cli';
import { endRunners, processesNaming } from '../../helpers/runners';
import { waitFor } from '../../helpers/wait';

const BIN = join(ROOT, 'main', 'cli', 'dstack.js');

const run = promisify(execFile);

const WORKFLOWS = `
workflows:
  - name: fill
    provider: bash
    commands:
      - echo filling
      - head -c 4194304 /dev/zero > big.bin
      - echo never printed
  - name: fill-and-wait
    provider: bash
    commands:
      - head -c 4194304 /dev/zero > big.bin 2>/dev/null || true
      - sleep 300
`;

let cli: Cli;
let dir: string;
let home: string;
let cleanup: () => Promise<void>;
let mounted = false;
beforeAll(async () => {
  ({ cli, dir, cleanup } = await helloProject(WORKFLOWS));
  home = join(dir, 'home');
  await mkdir(home);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', home]);
    mounted = true;
  } catch (err) {
    throw new Error(`This test mounts a 2 MiB tmpfs as DSTACK_HOME to fill it, which needs root (CI runs tests as root); mount said: ${(err as Error).message}`);
  }
  // Temp files on the full disk too: a job's work folder must be there whichever folder the runner picks.
  await mkdir(join(home, 'tmp'));
  cli.env.TMPDIR = join(home, 'tmp');
}, 240_000);
afterAll(async () => {
  // A stopped run's runner may still be writing; after the unmount its writes would land in the folder underneath.
  if (mounted) await endRunners(home);
  if (mounted) await run('umount', ['-l', home]);
  await cleanup();
}, 240_000);

async function freeBytes(): Promise<number> {
  const s = await statfs(home);
  return s.bavail * s.bsize;
}

/** The shared deadline poll (test/helpers/wait.ts), with this file's longer default for a loaded machine. */
function poll<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, ms = 120_000): Promise<T> {
  return waitFor(what, probe, done, { timeoutMs: ms, everyMs: 200 });
}

/**
 * Fills what is left of the disk into `filler.bin`: 64 KiB writes, then one
 * page at a time (tmpfs allocates pages), until even a page does not fit.
 */
async function fillDisk(): Promise<string> {
  const filler = join(home, 'filler.bin');
  await writeFile(filler, '');
  for (const size of [64 * 1024, 4096]) {
    const chunk = Buffer.alloc(size);
    for (;;) {
      const full = await appendFile(filler, chunk).then(() => false, (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOSPC') throw e;
        return true;
      });
      if (full) break;
    }
  }
  return filler;
}

async function jobOf(runName: string) {
  const backend = await createBackend(localBackendConfig(home));
  try {
    return await new RunService(backend).get((await openProject(cli.cwd)).repo, runName);
  } finally {
    await backend.close();
  }
}

it('fails a run that fills the disk with "disk full", naming the folder and the fix', async () => {
  const r = await cli.run(['run', 'fill']);
  const name = runNameIn(r.stderr);
  expect(r.code, r.stderr).not.toBe(0);
  const job = await poll('the run to end', () => jobOf(name), (j) => j.status !== 'running' && j.status !== 'uploading');
  expect(job.status).toBe('failed');
  expect(job.statusReason).toMatch(
    new RegExp(`Disk full: no space left for ${home}/.*\\. Free space on that disk \\(\`dstack rm\` old runs, or delete other files\\), or set DSTACK_HOME to a folder on a larger disk, then try again\\.`),
  );
  const ps = await cli.run(['ps', '-a']);
  expect([ps.code, ps.stderr]).toEqual([0, '']);
  expect(ps.stdout).toMatch(new RegExp(`${name}\\s+fill\\s+failed.*Disk full`));
  // The runner freed what the job wrote.
  expect(await freeBytes()).toBeGreaterThan(1 << 20);
}, 240_000);

it('keeps ps, stop -x and rm working while a run holds the disk full', async () => {
  const live = cli.spawn(['run', 'fill-and-wait']);
  const name = await poll('the run to be named', async () => /Run ([a-z]+-[a-z]+-\d+) /.exec(live.stderr())?.[1], (n) => !!n);
  const free = await poll('the job to fill the disk', freeBytes, (b) => b < 64 * 1024);
  expect(free).toBeLessThan(64 * 1024);

  const ps = await cli.run(['ps']);
  expect([ps.code, ps.stderr]).toEqual([0, '']);
  expect(ps.stdout).toMatch(new RegExp(`${name}\\s+fill-and-wait\\s+running`));

  const stop = await cli.run(['stop', '-x', name!]);
  expect([stop.code, stop.stderr, stop.stdout]).toEqual([0, '', expect.stringMatching(new RegExp(`^(Abort requested for ${name}|Run ${name} is aborted)\\.\\n$`))]);
  const job = await poll('the run to be aborted', () => jobOf(name!), (j) => j.status === 'aborted' || j.status === 'failed');
  expect(job.status).toBe('aborted');
  await live.exited;

  const rm = await cli.run(['rm', name!]);
  expect([rm.code, rm.stderr, rm.stdout]).toEqual([0, '', `Removed ${name}.\n`]);
  const after = await cli.run(['ps', '-a']);
  expect([after.code, after.stdout.includes(name!)]).toEqual([0, false]);
}, 240_000);

it('stops a run gracefully while it holds the disk full, saying the runner was told directly', async () => {
  const live = cli.spawn(['run', 'fill-and-wait']);
  const name = await poll('the run to be named', async () => /Run ([a-z]+-[a-z]+-\d+) /.exec(live.stderr())?.[1], (n) => !!n);
  await poll('the job to fill the disk', freeBytes, (b) => b < 64 * 1024);
  await poll('the job to run', () => jobOf(name!), (j) => j.status === 'running');

  const stop = await cli.run(['stop', name!]);
  expect([stop.code, stop.stdout, stop.stderr]).toEqual([
    0,
    `Stop requested for ${name}.\n`,
    `The disk is full, so the stop request could not be stored; the runner was told to stop directly.\n`,
  ]);
  const job = await poll('the run to end', () => jobOf(name!), (j) => isTerminal(j.status));
  const log = await cli.run(['logs', name!]);
  expect([job.status, job.statusReason], `log: ${log.stdout}${log.stderr}`).toEqual(['stopped', 'The runner was asked to stop.']);
  await live.exited;
  expect(await freeBytes(), 'the runner freed what the job wrote').toBeGreaterThan(1 << 20);
  const rm = await cli.run(['rm', name!]);
  expect([rm.code, rm.stderr]).toEqual([0, '']);
}, 240_000);

it('says "disk full" with the folder and the fix when nothing more fits, in storage, the runner, run and ps', async () => {
  // A job submitted while there was room, whose runner then starts on a full disk.
  const quiet = createLocalBackend({ type: 'local', home }, { runner: () => ({ command: process.execPath, args: ['-e', ''], env: {} }) });
  const job = await new RunService(quiet).submit(cli.cwd, 'fill');
  const filler = await fillDisk();
  try {
    const backend = await createBackend(localBackendConfig(home));
    const err = await backend.storage.put('runs/x/a-big-record.json', Buffer.alloc(256 * 1024)).catch((e: unknown) => e);
    await backend.close();
    expect(err).toBeInstanceOf(DstackError);
    expect((err as DstackError).toLine()).toMatch(new RegExp(`^Disk full: no space left for ${home}/local/storage.*\\. Free space on that disk`));
    const ps = await cli.run(['ps', '-a']);
    expect([ps.code, ps.stderr]).toEqual([0, '']);
    expect(ps.stdout).toMatch(/^RUN\s+WORKFLOW\s+STATUS/);

    const runner = await run(process.execPath, [BIN, 'runner', '--config', JSON.stringify({ type: 'local', home }), '--repo', job.repo, '--job', job.id]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(runner.code).toBe(1);
    expect(runner.stderr).toMatch(new RegExp(`^dstack runner: Disk full: no space left for ${home}/.*, then try again\\.\n$`));

    const submit = await cli.run(['run', 'fill']);
    expect(submit.code).not.toBe(0);
    expect(submit.stderr).toMatch(new RegExp(`Disk full: no space left for ${home}/.*, then try again\\.`));
    expect(submit.stderr).not.toMatch(/ENOSPC|\n\s+at /);
  } finally {
    await rm(filler, { force: true });
  }
}, 240_000);

it('ends a runner whose pid file the full disk refuses, rather than leave it running where no stop can find it', async () => {
  const quiet = createLocalBackend({ type: 'local', home }, { runner: () => ({ command: process.execPath, args: ['-e', ''], env: {} }) });
  const job = await new RunService(quiet).submit(cli.cwd, 'fill');
  // This runner would run until killed, like a real one waiting on its job.
  const lasting = createLocalBackend({ type: 'local', home }, { runner: () => ({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', '--'], env: {} }) });
  const filler = await fillDisk();
  try {
    const err = await lasting.compute.launch(job).then(() => undefined, (e: unknown) => e);
    expect(String(err)).toMatch(/no space left|Disk full/i);
    const left = await poll(`no process left running for ${job.id}`, () => processesNaming('--job', job.id), (pids) => pids.length === 0, 30_000);
    expect(left).toEqual([]);
  } finally {
    await rm(filler, { force: true });
  }
}, 240_000);
