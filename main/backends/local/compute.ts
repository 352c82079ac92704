/**
 * Compute for the local backend: each job's runner is its own detached
 * process, in its own process group, with its output in a file instead of
 * our pipes, so it keeps running when the CLI or the app that started it
 * exits. The runner owns every status change from then on; this class only
 * starts it, finds it again through its pid file, and nudges it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open } from 'node:fs/promises';
import type { Compute } from '../../core/backend';
import type { LocalBackendConfig } from '../../common/config';
import { DstackError } from '../../common/errors';
import type { InstanceOffer, Job } from '../../common/job';
import type { NodeCommand } from '../../node/launch';
import { nodeCommand } from '../../node/launch';
import { PidFiles } from './pid-files';
import { isRunnerAlive } from './process-alive';

export interface LocalComputeOptions {
  /** The program to start; the runner (`main/runner/main.ts` or its bundle) by default. */
  runner?: () => NodeCommand;
  /** More crash leftovers to clear on {@link LocalCompute.reconcile}: the backend passes the storage's temp-file sweep. */
  sweep?: () => Promise<unknown>;
}

export class LocalCompute implements Compute {
  readonly pids: PidFiles;
  private readonly runner: () => NodeCommand;
  private readonly sweep?: () => Promise<unknown>;

  /** @param runnersDir `{home}/local/runners`: pid files and the runners' own output. */
  constructor(
    private readonly config: LocalBackendConfig,
    runnersDir: string,
    opts: LocalComputeOptions = {},
  ) {
    this.pids = new PidFiles(runnersDir);
    this.runner = opts.runner ?? (() => nodeCommand('runner'));
    this.sweep = opts.sweep;
  }

  /** A local job runs on this machine as it is: there is nothing to choose or pay for. */
  async offer(_job: Job): Promise<InstanceOffer | undefined> {
    return undefined;
  }

  async launch(job: Job): Promise<void> {
    const cmd = this.runner();
    await mkdir(this.pids.dir, { recursive: true });
    const out = await open(this.pids.logPath(job.id), 'a');
    try {
      const args = [...cmd.args, '--config', JSON.stringify(this.config), '--repo', job.repo, '--job', job.id];
      const child = spawn(cmd.command, args, {
        detached: true,
        // Not the caller's folder: a long job must not keep a project folder busy (or unmountable).
        cwd: this.config.home,
        stdio: ['ignore', out.fd, out.fd],
        env: { ...process.env, ...cmd.env },
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
      await this.pids.write(job.id, child.pid!);
    } finally {
      await out.close();
    }
  }

  /**
   * SIGUSR1 makes the runner re-read the stop request now rather than at its
   * next poll. Best effort: a runner that is gone, or a platform without
   * SIGUSR1 (Windows), still sees the request when it polls storage.
   */
  async signal(job: Job, _abort: boolean): Promise<void> {
    const pid = await this.pids.read(job.id);
    if (pid === undefined || !(await isRunnerAlive(pid, job.id))) return;
    try {
      process.kill(pid, 'SIGUSR1');
    } catch {
      // Gone in between, or the signal is not supported here.
    }
  }

  /** False once the job's runner has exited, or when no runner was ever recorded for it on this machine. */
  async isAlive(job: Job): Promise<boolean> {
    const pid = await this.pids.read(job.id);
    return pid !== undefined && isRunnerAlive(pid, job.id);
  }

  /**
   * Removes pid files of runners that have exited, and whatever else the
   * `sweep` option clears. The core marks their non-terminal jobs failed
   * through {@link isAlive}; a job without a pid file already reads as not
   * alive, so the order does not matter.
   */
  async reconcile(): Promise<void> {
    for (const jobId of await this.pids.jobIds()) {
      const pid = await this.pids.read(jobId);
      if (pid === undefined || !(await isRunnerAlive(pid, jobId))) await this.pids.remove(jobId);
    }
    await this.sweep?.();
  }
}
