/**
 * The runner: executes one stored job from `submitted` to a terminal status,
 * the same code as a local detached process and on EC2. It owns every status
 * change after launch, writes each through the job store (so the state
 * machine is checked), and never writes `done` unless the commands exited 0
 * and the artifacts are stored.
 *
 * Stopping: a stop request in storage (polled, and re-read on `nudge()`,
 * which the process wires to SIGUSR1) turns into SIGTERM to the job's process
 * group, SIGKILL after a grace period, an artifact upload, then `stopped`.
 * An abort kills at once, deletes whatever artifacts were stored, `aborted`.
 * A notice that the machine is being taken away (a spot interruption, from
 * the backend's `watchInterruption`) stops the job the same graceful way,
 * artifacts saved, but ends it `failed` with the backend's reason: the user
 * did not ask for it and the job did not finish.
 */
import { toDstackError } from '../common/errors';
import type { Job } from '../common/job';
import type { JobStatus } from '../common/status';
import { closingLine } from './closing-line';
import { isTerminal } from '../common/status';
import type { Backend } from '../core/backend';
import { ConflictError } from '../core/errors';
import type { JobPatch } from '../core/jobs';
import { JobStore } from '../core/jobs';
import { keys } from '../core/keys';
import { deleteAll } from '../core/pages';
import { readStopRequest } from '../core/stop-request';
import { assertDockerReachable } from './docker';
import type { ExecutorKind, Started } from './executor';
import { startCommands } from './executor';
import { allocatePorts, jobEnv, logCapOf, withSecretRefs } from './job-env';
import { LogWriter, pumpLines } from './log-writer';
import { finishTag } from './tag-on-done';
import { saveCache, uploadArtifacts } from './upload';
import { diskFullError, freeBytes, FULL_BELOW_BYTES, isDiskFull } from '../node/disk-full';
import { processStartTime, removeFootprint, writeJobGroup } from '../node/job-footprint';
import { watchJobGroup } from './watchdog';
import { defaultWorkRoot, prepareWorkdir, workdirOf } from './workspace';

export interface RunnerOptions {
  /** `process` runs commands as local processes; `docker` in a container. Default: docker when the job has an image. */
  executor?: ExecutorKind;
  /** Parent of the job's work dir, a private folder; default `{DSTACK_HOME}/work` (the runner program passes the backend's). */
  workRoot?: string;
  /** SIGTERM → SIGKILL grace period; default DSTACK_STOP_GRACE_MS or 10 s. */
  graceMs?: number;
  /** How often the stop request is polled; default DSTACK_STOP_POLL_MS or 250 ms. */
  pollMs?: number;
}

export interface RunnerHandle {
  /** The job as finally stored. Rejects only when the job cannot be read or is not `submitted`. */
  done: Promise<Job>;
  /** Re-reads the stop request now instead of at the next poll. */
  nudge(): void;
  /** Stops from inside the runner's process (it got SIGTERM, or its instance is going away). */
  requestStop(abort: boolean, reason?: string): void;
}

/** Why the job is being stopped; `interrupted` when the machine is being taken away, not at anyone's request. */
interface StopRequest {
  abort: boolean;
  reason: string;
  interrupted?: boolean;
}

type Phase = 'init' | 'downloading' | 'running' | 'uploading' | 'finished';

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 && process.env[name] !== '' ? v : fallback;
}

class JobRun {
  private readonly store: JobStore;
  private job!: Job;
  private log!: LogWriter;
  /** The runner's own lines (e.g. what an upload left out), for helpers that only need to say something. */
  private readonly logSystem = (line: string): void => this.log.system(line);
  private phase: Phase = 'init';
  private request: StopRequest | undefined;
  private phaseAbort = new AbortController();
  private started: Started | undefined;
  /** Whether the commands were sent SIGTERM, rather than ending on their own. */
  private signalled = false;
  private chain: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private polling = false;
  private workdir: string | undefined;
  private readonly workRoot: string;
  private readonly graceMs: number;
  private readonly pollMs: number;

  constructor(private readonly backend: Backend, private readonly repo: string, private readonly jobId: string, private readonly opts: RunnerOptions) {
    this.store = new JobStore(backend.storage);
    this.graceMs = opts.graceMs ?? envNumber('DSTACK_STOP_GRACE_MS', 10_000);
    this.pollMs = opts.pollMs ?? envNumber('DSTACK_STOP_POLL_MS', 250);
    this.workRoot = opts.workRoot ?? defaultWorkRoot();
  }

  /** Status writes are serialized: a stop can write `stopping` while the main flow waits on the job. */
  private status(to: JobStatus, patch: JobPatch = {}): Promise<Job> {
    const write = (): Promise<Job> => this.store.setStatus(this.repo, this.jobId, to, patch);
    // The log gets its closing line and is flushed before a terminal status, so a follower that sees the end has every line.
    const next = this.chain
      .then(() => {
        if (!isTerminal(to)) return undefined;
        // Through note(): a log broken by a full disk must not keep the terminal status from being written.
        if (this.job) this.note(closingLine(to, { ...this.job, ...patch }, patch.finishedAt));
        return this.log?.flush();
      })
      .then(() =>
        write().catch(async (err: unknown) => {
          // A full disk must not leave the run stuck: the job has ended, and its own files are the likeliest cause.
          if (!isTerminal(to) || !isDiskFull(err)) throw err;
          await this.freeWorkFolder();
          return write();
        }),
      );
    this.chain = next.then((j) => (this.job = j)).catch(() => undefined);
    return next.then((j) => (this.job = j));
  }

  requestStop(abort: boolean, reason?: string, interrupted = false): void {
    if (this.phase === 'finished' || this.request?.abort || (this.request && !abort)) return;
    this.request = { abort, reason: reason ?? (abort ? 'Aborted by request.' : 'Stopped by request.'), ...(interrupted ? { interrupted } : {}) };
    const sigterm = `sending SIGTERM, SIGKILL in ${this.graceMs / 1000} s`;
    const line = abort
      ? 'Abort requested: killing the job now.'
      : interrupted
        ? `${this.request.reason}${this.phase === 'running' ? `: ${sigterm}, then saving the artifacts.` : '.'}`
        : `Stop requested: ${sigterm}.`;
    this.note(line);
    if (this.phase === 'downloading' || (this.phase === 'uploading' && abort)) this.phaseAbort.abort();
    this.signalCommands();
  }

  /** Delivers a pending stop to running commands: now, or as soon as they have started. */
  private signalCommands(): void {
    const started = this.started;
    const req = this.request;
    if (this.phase !== 'running' || !started || !req) return;
    if (req.abort) {
      started.kill('SIGKILL');
      return;
    }
    void this.status('stopping').catch(() => undefined);
    this.signalled = true;
    started.kill('SIGTERM');
    this.timers.push(setTimeout(() => started.kill('SIGKILL'), this.graceMs));
  }

  async nudge(): Promise<void> {
    if (this.polling || this.phase === 'finished') return;
    this.polling = true;
    try {
      const req = await readStopRequest(this.backend.storage, this.repo, this.jobId);
      if (req) this.requestStop(req.abort);
    } catch {
      // Storage hiccup: the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  /** Read through a method: a stop arrives from a timer or a signal, behind the main flow's back. */
  private stopRequest(): StopRequest | undefined {
    return this.request;
  }

  async run(): Promise<Job> {
    this.job = await this.store.require(this.repo, this.jobId);
    if (this.job.status !== 'submitted') {
      throw new ConflictError(`Job ${this.jobId} is already ${this.job.status}; a runner runs a job once.`);
    }
    const cap = logCapOf(this.job);
    this.log = new LogWriter(await this.backend.logs.open(this.job), cap);
    if (cap.warning) this.log.system(cap.warning);
    const poll = setInterval(() => void this.nudge(), this.pollMs);
    const unwatch = this.backend.compute.watchInterruption?.(this.job, (reason) => this.requestStop(false, reason, true));
    try {
      await this.nudge();
      return await this.steps();
    } catch (err) {
      // Output that can no longer be logged (a full disk) ends the job: its commands must not run on unseen.
      this.started?.kill('SIGKILL');
      const line = isDiskFull(err) ? diskFullError(this.workRoot, err).toLine() : toDstackError(err).toLine();
      this.note(`Failed: ${line}`);
      if (this.stopRequest()?.abort) return await this.aborted();
      const req = this.stopRequest();
      const reason = req?.interrupted ? `${req.reason}; then: ${line}` : line;
      return await this.status('failed', { statusReason: reason, finishedAt: Date.now() });
    } finally {
      this.phase = 'finished';
      unwatch?.();
      clearInterval(poll);
      for (const t of this.timers) clearTimeout(t);
      await this.chain;
      await this.log.close().catch(() => undefined);
      if (this.workdir) await removeFootprint(this.workRoot, this.jobId).catch(() => undefined);
    }
  }

  private async steps(): Promise<Job> {
    if (this.stopRequest()) return this.endEarly();
    this.phase = 'downloading';
    // Known before the download starts, so a failed download's leftovers are removed too.
    this.workdir = workdirOf(this.workRoot, this.job);
    // The status write and the download need nothing from each other: they run at once, and both settle before either outcome counts.
    const [stored, prepared] = await Promise.allSettled([this.status('downloading', { startedAt: Date.now(), runnerPid: process.pid }), this.prepare()]);
    if (stored.status === 'rejected') throw stored.reason;
    if (prepared.status === 'rejected') {
      if (this.stopRequest()) return this.endEarly();
      throw prepared.reason;
    }
    const secrets = prepared.value;
    this.log.setMasks(Object.values(secrets));
    if (this.stopRequest()) return this.endEarly();
    const kind = this.opts.executor ?? (this.job.provider === 'docker' || this.job.image ? 'docker' : 'process');
    if (kind === 'docker') await assertDockerReachable(this.job);
    const ports = await allocatePorts(this.job.ports);
    // Stored before any command runs: a job that fills the disk at once must not be able to keep its own `running` from being written.
    await this.status('running');
    this.phase = 'running';
    const code = await this.execute(kind, this.workdir, jobEnv(this.job, secrets, ports), ports);
    this.phase = 'uploading';
    this.phaseAbort = new AbortController();
    if (this.stopRequest()?.abort) return this.aborted(code);
    const req = this.stopRequest();
    // A notice that came after the commands had ended on their own changes nothing: the job finished.
    if (req && !(req.interrupted && !this.signalled)) {
      const notSaved = await this.uploadOnStop();
      if (req.interrupted) {
        const saved = notSaved ? `; ${notSaved}` : this.job.artifacts.length ? '; artifacts were saved.' : '.';
        return this.status('failed', { exitCode: code, statusReason: `${req.reason}${saved}`, finishedAt: Date.now() });
      }
      return this.status('stopped', { exitCode: code, statusReason: notSaved ? `${req.reason} ${notSaved}` : req.reason, finishedAt: Date.now() });
    }
    if (code !== 0) return this.status('failed', { exitCode: code, statusReason: await this.exitReason(code), finishedAt: Date.now() });
    await this.status('uploading');
    try {
      const n = await uploadArtifacts(this.backend.storage, this.job, this.workdir as string, { requireAll: true, signal: this.phaseAbort.signal, log: this.logSystem });
      if (this.job.cache.length) await saveCache(this.backend.storage, this.job, this.workdir as string, { signal: this.phaseAbort.signal, log: this.logSystem });
      if (n) this.log.system(`Stored ${n} artifact file(s).`);
    } catch (err) {
      if (this.stopRequest()?.abort) return this.aborted(code);
      throw err;
    }
    if (this.stopRequest()?.abort) return this.aborted(code);
    await finishTag(this.backend.storage, this.job, this.log);
    return this.status('done', { exitCode: 0, finishedAt: Date.now() });
  }

  /** Fills the job's work folder (code, deps, cache) and reads its secrets' values. */
  private async prepare(): Promise<Record<string, string>> {
    const prepared = await prepareWorkdir(this.backend.storage, this.job, this.workRoot, this.phaseAbort.signal);
    if (prepared.depFiles || prepared.cacheFiles) this.log.system(`Restored ${prepared.depFiles} dependency and ${prepared.cacheFiles} cache file(s).`);
    return this.backend.secrets.values(this.repo, this.job.secretNames);
  }

  /** Runs the commands, streaming their output; resolves with the exit code once output is drained. */
  private async execute(kind: ExecutorKind, workdir: string, env: Record<string, string>, ports: number[]): Promise<number> {
    const started = startCommands(kind, { job: withSecretRefs(this.job), workdir, env, ports });
    this.started = started;
    // Not awaited before the output is pumped: output read late can be lost.
    const recorded = this.recordGroup(started);
    // Docker's group is only the CLI; the container is ended by name (and by reconcile), not by the watchdog.
    const unwatch = kind === 'process' && started.child.pid ? watchJobGroup(started.child.pid) : undefined;
    void started.exited.finally(() => unwatch?.()).catch(() => undefined);
    this.signalCommands();
    if (this.job.maxDurationSec) {
      const sec = this.job.maxDurationSec;
      this.timers.push(setTimeout(() => this.requestStop(false, `Max duration of ${sec} s exceeded.`), sec * 1000));
    }
    const { stdout, stderr } = started.child;
    const [code] = await Promise.all([
      started.exited,
      recorded,
      stdout ? pumpLines(stdout, 'stdout', this.log) : undefined,
      stderr ? pumpLines(stderr, 'stderr', this.log) : undefined,
    ]);
    await this.log.flush();
    return code;
  }

  /**
   * Writes down the commands' process group, so that if this runner is
   * killed, the local backend's reconcile can still end the job's processes.
   * Best effort: without the record the job still runs, it just cannot be
   * cleaned up after a crash.
   */
  private async recordGroup(started: Started): Promise<void> {
    const pgid = started.child.pid;
    if (!pgid) return;
    const startTime = await processStartTime(pgid);
    await writeJobGroup(this.workRoot, this.jobId, { pgid, ...(startTime ? { startTime } : {}) }).catch((err: unknown) => {
      this.log.system(`Could not record the job's process group (${toDstackError(err).message}); it is not ended if this runner is killed.`);
    });
  }

  /**
   * Stores what artifacts it can after a stop; returns why they were not
   * stored, or '' when nothing was lost. A full disk (often the job's own doing)
   * must not turn the stop the user asked for into a failure: the work folder
   * is freed so the stop can be recorded, and the reason says what was lost.
   */
  private async uploadOnStop(): Promise<string> {
    try {
      await this.status('uploading');
      const n = await uploadArtifacts(this.backend.storage, this.job, this.workdir as string, { requireAll: false, log: this.logSystem });
      this.log.system(`Stored ${n} artifact file(s).`);
      return '';
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      await this.freeWorkFolder();
      const full = diskFullError(this.workRoot, err).toLine();
      this.note(full);
      if (this.job.status === 'running') await this.status('stopping');
      return this.job.artifacts.length ? `The artifacts were not stored: ${full}` : '';
    }
  }

  /** Why commands that exited `code` failed: a full work disk is named, since the exit code alone would hide it. */
  private async exitReason(code: number): Promise<string> {
    const free = await freeBytes(this.workRoot);
    if (free !== undefined && free < FULL_BELOW_BYTES) return `Exit code ${code}. ${diskFullError(this.workRoot).toLine()}`;
    return `Exit code ${code}.`;
  }

  /** Frees the disk the job filled: its commands are ended first, then its work folder removed. */
  private async freeWorkFolder(): Promise<void> {
    this.started?.kill('SIGKILL');
    await removeFootprint(this.workRoot, this.jobId).catch(() => undefined);
  }

  /** A runner line in the job's log, where the log can still be written: a broken log must not stop the status write. */
  private note(line: string): void {
    try {
      this.log?.system(line);
    } catch {
      // The log has failed (a full disk); the status reason still says what happened.
    }
  }

  /** A stop or abort that came before any command ran. */
  private async endEarly(): Promise<Job> {
    if (this.stopRequest()?.abort) return this.aborted();
    const req = this.stopRequest();
    if (req?.interrupted) return this.status('failed', { statusReason: `${req.reason} before the job started.`, finishedAt: Date.now() });
    if (this.job.status !== 'submitted') await this.status('stopping');
    return this.status('stopped', { statusReason: this.stopRequest()?.reason, finishedAt: Date.now() });
  }

  /** Abort keeps nothing: artifacts stored so far are deleted. */
  private async aborted(code?: number): Promise<Job> {
    await deleteAll(this.backend.storage, keys.artifactsPrefix(this.repo, this.jobId));
    return this.status('aborted', { statusReason: this.stopRequest()?.reason ?? 'Aborted.', finishedAt: Date.now(), ...(code === undefined ? {} : { exitCode: code }) });
  }
}

/** Starts running a stored job in this process; see {@link RunnerHandle}. */
export function startRunner(backend: Backend, repo: string, jobId: string, opts: RunnerOptions = {}): RunnerHandle {
  const run = new JobRun(backend, repo, jobId, opts);
  return { done: run.run(), nudge: () => void run.nudge(), requestStop: (abort, reason) => run.requestStop(abort, reason) };
}

/** Runs a stored job to its end in this process. */
export function runJob(backend: Backend, repo: string, jobId: string, opts: RunnerOptions = {}): Promise<Job> {
  return startRunner(backend, repo, jobId, opts).done;
}
