/**
 * Compute for the local backend: each job's runner is its own detached
 * process, in its own process group, with its output in a file instead of
 * our pipes, so it keeps running when the CLI or the app that started it
 * exits. The runner owns every status change from then on; this class only
 * starts it, finds it again through its pid file, and nudges it. When it
 * finds the runner dead, it ends what the runner can no longer end: the
 * job's process group (which outlives a killed runner) and its work folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { lstat, mkdir, open, readdir } from 'node:fs/promises';
import type { Compute } from '../../core/backend';
import type { LocalBackendConfig } from '../../common/config';
import { DstackError } from '../../common/errors';
import type { InstanceOffer, Job } from '../../common/job';
import type { NodeCommand } from '../../node/launch';
import { nodeCommand } from '../../node/launch';
import { endJobGroup, FOOTPRINT_SUFFIXES, localWorkRoot, readJobGroup, removeFootprint, workdirName } from '../../node/job-footprint';
import { runnerEnv } from '../../node/held-env';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../node/private-dir';
import { PidFiles } from './pid-files';
import { isRunnerAlive } from './process-alive';

/** SIGKILL to a detached runner's whole process group, or to the runner alone where there are no groups (Windows). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export interface LocalComputeOptions {
  /** The program to start; the runner (`main/runner/main.ts` or its bundle) by default. */
  runner?: () => NodeCommand;
  /** More crash leftovers to clear on {@link LocalCompute.reconcile}: the backend passes the storage's temp-file sweep. */
  sweep?: () => Promise<unknown>;
}

/** A work-root entry without a pid file is left this long: its runner may have been started a moment ago. */
const ORPHAN_AGE_MS = 60_000;

export class LocalCompute implements Compute {
  readonly pids: PidFiles;
  private readonly runner: () => NodeCommand;
  private readonly sweep?: () => Promise<unknown>;
  /** The runners' work root, `{home}/local/work` (see `runner/workspace.ts`). */
  private readonly workRoot: string;

  /** @param runnersDir `{home}/local/runners`: pid files and the runners' own output. */
  constructor(
    private readonly config: LocalBackendConfig,
    runnersDir: string,
    opts: LocalComputeOptions = {},
  ) {
    this.pids = new PidFiles(runnersDir);
    this.runner = opts.runner ?? (() => nodeCommand('runner'));
    this.sweep = opts.sweep;
    this.workRoot = localWorkRoot(config.home);
  }

  /** A local job runs on this machine as it is: there is nothing to choose or pay for. */
  async offer(_job: Job): Promise<InstanceOffer | undefined> {
    return undefined;
  }

  async launch(job: Job): Promise<void> {
    const cmd = this.runner();
    await mkdir(this.pids.dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const out = await open(this.pids.logPath(job.id), 'a', PRIVATE_FILE_MODE);
    try {
      const args = [...cmd.args, '--config', JSON.stringify(this.config), '--repo', job.repo, '--job', job.id];
      const child = spawn(cmd.command, args, {
        detached: true,
        // Not the caller's folder: a long job must not keep a project folder busy (or unmountable).
        cwd: this.config.home,
        stdio: ['ignore', out.fd, out.fd],
        env: runnerEnv(process.env, cmd.env),
        windowsHide: true,
      });
      try {
        await once(child, 'spawn');
      } catch (err) {
        throw new DstackError('internal', `Could not start the runner for ${job.runName}: ${(err as Error).message}.`, {
          fix: `Check that ${cmd.command} can run; the runner's output is in ${this.pids.logPath(job.id)}.`,
          cause: err,
        });
      }
      child.unref();
      try {
        await this.pids.write(job.id, child.pid!);
      } catch (err) {
        // A runner no client can find again could be neither stopped nor reconciled (a full disk
        // refuses the pid file): end it, and its job group through its watchdog, rather than leave it running untracked.
        killGroup(child);
        throw err;
      }
    } finally {
      await out.close();
    }
  }

  /**
   * SIGUSR1 makes the runner re-read the stop request now rather than at its
   * next poll; SIGUSR2 aborts at once, even when no request could be stored
   * (a full disk); SIGTERM stops gracefully when no request could be stored,
   * since a SIGUSR1 would find none. Best effort: a runner that is gone, or a
   * platform without these signals (Windows), still sees a stored request
   * when it polls storage.
   */
  async signal(job: Job, abort: boolean, opts: { unstored?: boolean } = {}): Promise<void> {
    const pid = await this.pids.read(job.id);
    if (pid === undefined || !(await isRunnerAlive(pid, job.id))) return;
    try {
      process.kill(pid, abort ? 'SIGUSR2' : opts.unstored ? 'SIGTERM' : 'SIGUSR1');
    } catch {
      // Gone in between, or the signal is not supported here.
    }
  }

  /**
   * False once the job's runner has exited, or when no runner was ever
   * recorded for it on this machine. A runner found dead is cleaned up after
   * at once (see {@link reconcile}), so every caller that notices a dead
   * runner (`ps`, `stop`, a log follower) also ends its orphaned processes.
   */
  async isAlive(job: Job): Promise<boolean> {
    const pid = await this.pids.read(job.id);
    if (pid === undefined) return false;
    if (await isRunnerAlive(pid, job.id)) return true;
    await this.cleanUpAfter(job.id);
    return false;
  }

  /**
   * Cleans up after runners that have exited: ends their jobs' process
   * groups, removes their work folders and pid files, clears work-root
   * leftovers that no runner owns, and runs the `sweep` option. The core
   * marks their non-terminal jobs failed through {@link isAlive}; a job
   * without a pid file already reads as not alive, so the order does not
   * matter.
   */
  async reconcile(): Promise<void> {
    const live = new Set<string>();
    for (const jobId of await this.pids.jobIds()) {
      const pid = await this.pids.read(jobId);
      if (pid !== undefined && (await isRunnerAlive(pid, jobId))) live.add(workdirName(jobId));
      else await this.cleanUpAfter(jobId);
    }
    await this.sweepWorkRoot(live);
    await this.sweep?.();
  }

  /** The runner of `jobId` is gone: nothing else will ever end its processes or free its disk. */
  private async cleanUpAfter(jobId: string): Promise<void> {
    const group = await readJobGroup(this.workRoot, jobId);
    if (group) await endJobGroup(group);
    await removeFootprint(this.workRoot, jobId);
    await this.pids.remove(jobId);
  }

  /** Work-root entries of no live runner (left by a runner killed before this cleanup existed, or whose pid file was lost). */
  private async sweepWorkRoot(live: Set<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.workRoot);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const bases = new Set(names.map((n) => FOOTPRINT_SUFFIXES.reduce((b, sfx) => (b.endsWith(sfx) ? b.slice(0, -sfx.length) : b), n)));
    for (const base of bases) {
      if (!base || live.has(base)) continue;
      const st = await lstat(`${this.workRoot}/${base}`).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs < ORPHAN_AGE_MS) continue;
      // A work-folder name is its own job id as far as the footprint helpers go: names are already plain.
      await this.cleanUpAfter(base);
    }
  }
}
