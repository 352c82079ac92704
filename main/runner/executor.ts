/**
 * Starting a job's commands and signalling them. The process executor runs
 * `bash -e` on a file of the joined commands in a new process group, so a stop
 * reaches every process the job started. The docker executor runs
 * `docker run` with the same file mounted read-only and signals the
 * container by name.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Job } from '../common/job';
import { stagingPath } from '../node/job-footprint';
import { jobEnvBase } from '../node/held-env';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../node/private-dir';
import { dockerRunArgs } from './docker';

export type ExecutorKind = 'process' | 'docker';

export interface Started {
  child: ChildProcess;
  /** Signals the job's processes, not only the direct child. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (128+n for a signal n, as a shell reports it). */
  exited: Promise<number>;
}

export interface StartInput {
  job: Job;
  workdir: string;
  /** The job's own variables (workflow env, secrets, PORT_n), on top of the runner's environment. */
  env: Record<string, string>;
  ports: number[];
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function exitCodeOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 1) : 1)));
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The job's commands as one script; the job's `${{ secrets.X }}` were turned into `${X}` by the caller. */
export function scriptOf(job: Job): string {
  return job.commands.join('\n');
}

/**
 * Writes the script where only the runner's user can read it: a fresh 0700
 * folder beside the work dir (the job's staging folder, in the private work
 * root, removed with the job's footprint) holding one 0600 file. A script in
 * argv (`bash -c`) fails with E2BIG past 128 KiB, Linux's limit on one
 * argument, and would show in `ps`.
 */
function writeScript(job: Job, workdir: string): string {
  const dir = stagingPath(dirname(workdir), job.id);
  rmSync(dir, { recursive: true, force: true });
  // Not recursive, and the file exclusive: both are created here, never taken over.
  mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  const file = join(dir, 'commands.sh');
  writeFileSync(file, scriptOf(job), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  return file;
}

export function startProcess({ job, workdir, env }: StartInput): Started {
  const script = writeScript(job, workdir);
  const child = spawn('bash', ['-e', script], {
    cwd: job.workingDir ? join(workdir, job.workingDir) : workdir,
    env: { ...jobEnvBase(), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = exitCodeOf(child).finally(() => {
    killGroup(child.pid, 'SIGKILL');
    rmSync(dirname(script), { recursive: true, force: true });
  });
  return { child, exited, kill: (signal) => killGroup(child.pid, signal) };
}

export function startDocker({ job, workdir, env, ports }: StartInput): Started {
  const containerName = `dstack-${job.id.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
  const scriptFile = writeScript(job, workdir);
  const child = spawn('docker', dockerRunArgs({ job, workdir, envNames: Object.keys(env), ports, containerName, scriptFile }), {
    env: { ...jobEnvBase(), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {
    child,
    exited: exitCodeOf(child).finally(() => rmSync(dirname(scriptFile), { recursive: true, force: true })),
    kill: (signal) => {
      execFile('docker', ['kill', '--signal', signal, containerName], () => undefined);
      killGroup(child.pid, signal);
    },
  };
}

export function startCommands(kind: ExecutorKind, input: StartInput): Started {
  return kind === 'docker' ? startDocker(input) : startProcess(input);
}
