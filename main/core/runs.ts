/**
 * RunService: the one API over runs that the CLI, the app's service layer
 * and the tests use. It talks to a backend only through the interface in
 * `backend.ts`, so the same calls work on local and AWS. Every method takes
 * the repo id (see `project.ts`) because storage may hold many projects.
 */
import { InvalidArgumentError, NotFoundError } from '../common/errors';
import type { Job, RunSummary } from '../common/job';
import { canTransition, isTerminal } from '../common/status';
import type { JobStatus } from '../common/status';
import type { Backend, LogEvent, TransferOptions } from './backend';
import type { ArtifactEntry, ArtifactPage, FolderTotal } from './artifacts';
import type { TreeResult } from './tree-transfer';
import { copyArtifacts, folderTotal, hasArtifacts, listArtifacts, walkArtifacts } from './artifacts';
import { isDiskFull } from '../node/disk-full';
import { ConflictError } from './errors';
import { JobStore } from './jobs';
import { UnreadableJobError, unreadableSummary } from './job-record';
import type { JobPatch } from './jobs';
import type { JobHead } from './keys';
import { keys } from './keys';
import { readLogWithRetry } from './log-retry';
import { deleteAll } from './pages';
import { writeStopRequest } from './stop-request';
import type { SubmitOptions } from './submit';
import { TagStore } from './tags';

export type { SubmitOptions };

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Records a listing reads at once: enough to keep the disk or S3 busy, few enough not to queue 10,000 opens. */
const READS_AT_ONCE = 64;

/** `fn` over `items` in order, `width` at a time. */
async function mapBounded<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  }));
  return out;
}

/** A write that failed because the disk is full, read as "nothing written"; anything else is thrown. */
function keepOnFullDisk(err: unknown): undefined {
  if (isDiskFull(err)) return undefined;
  throw err;
}

/** Reads an unreadable record as no job, for passes over every run that must go on past a damaged one. */
function skipUnreadable(err: unknown): undefined {
  if (err instanceof UnreadableJobError) return undefined;
  throw err;
}

/** What a listing and a stop's answer show of a job: the run as `ps` prints it. */
export function summaryOf(job: Job): RunSummary {
  const s: RunSummary = {
    runName: job.runName,
    workflowName: job.workflowName,
    jobId: job.id,
    repo: job.repo,
    backend: job.backend,
    status: job.status,
    submittedAt: job.submittedAt,
  };
  if (job.statusReason) s.statusReason = job.statusReason;
  if (job.finishedAt) s.finishedAt = job.finishedAt;
  if (job.tag) s.tag = job.tag;
  if (job.offer) s.offer = job.offer;
  if (job.exitCode !== undefined) s.exitCode = job.exitCode;
  if (job.startedAt) s.startedAt = job.startedAt;
  if (job.instanceId) s.instanceId = job.instanceId;
  if (job.code?.git) s.git = job.code.git;
  if (job.resources) s.resources = job.resources;
  return s;
}

export class RunService {
  readonly jobs: JobStore;
  readonly tagStore: TagStore;

  constructor(readonly backend: Backend) {
    this.jobs = new JobStore(backend.storage);
    this.tagStore = new TagStore(backend.storage);
  }

  /** Submits `workflowName` of the project at `projectDir` and launches it; returns the stored job. */
  async submit(projectDir: string, workflowName: string, opts: SubmitOptions = {}): Promise<Job> {
    // Loaded on the first submit: the code snapshot (and its tar library) is of no use to `ps` or `logs`.
    const { submitRun } = await import('./submit');
    return submitRun(this.backend, this.jobs, this.tagStore, projectDir, workflowName, opts);
  }

  /**
   * Runs, newest first. Without `all`: unfinished runs plus the latest one,
   * as `dstack ps` shows, from the live index ({@link listLive}) when it can
   * answer. Otherwise every job is listed, and a run whose status moved while
   * its heads were listed is read from its record (JobStore.everyJob), so it
   * never drops out.
   */
  async list(repo: string, opts: { all?: boolean } = {}): Promise<RunSummary[]> {
    if (!opts.all) {
      const live = await this.listLive(repo);
      if (live) return live;
    }
    const since = Date.now();
    // With `all`, the records' etags let the store skip reading records it has parsed before.
    const { heads, unheaded, records } = await this.jobs.everyJob(repo, { records: opts.all });
    // A damaged record lists as unreadable, with its file, and never hides the other runs.
    const read = (h: JobHead): Promise<RunSummary | undefined> =>
      this.jobs.getListed(repo, h.jobId, records.get(h.jobId), since).then((j) => j && summaryOf(j), (err: unknown) => {
        if (err instanceof UnreadableJobError) return unreadableSummary(h, repo, this.backend.name, err);
        throw err;
      });
    const moved = (await Promise.all(unheaded.map((jobId) => this.jobs.get(repo, jobId).catch(skipUnreadable)))).filter((j): j is Job => !!j);
    const known = new Map<string, RunSummary>(moved.map((j) => [j.id, summaryOf(j)]));
    const every = [...heads, ...moved.map((j) => ({ key: '', jobId: j.id, status: j.status, submittedAt: j.submittedAt }))];
    every.sort((a, b) => b.submittedAt - a.submittedAt);
    const shown = opts.all ? every : every.filter((h, i) => i === 0 || !isTerminal(h.status));
    const runs = await mapBounded(shown, READS_AT_ONCE, async (h) => known.get(h.jobId) ?? read(h));
    return runs.filter((r): r is RunSummary => !!r);
  }

  /**
   * `ps` from the live index (live-index.ts): the jobs with a live marker
   * and the newest job, read from their records, so it costs a few keys
   * however many runs the project had. Undefined when only the full listing
   * can answer as `ps` must: a record is unreadable (it lists as such), or
   * the newest runs were removed past the kept markers.
   */
  private async listLive(repo: string): Promise<RunSummary[] | undefined> {
    const snapshot = await this.jobs.liveSnapshot(repo);
    if (!snapshot) return undefined;
    const { live, recent } = snapshot;
    const newest = recent[0];
    if (newest === undefined) return undefined;
    const ids = [...new Set([newest, ...live])];
    let read: (Job | undefined)[];
    try {
      read = await mapBounded(ids, READS_AT_ONCE, (id) => this.jobs.get(repo, id));
    } catch (err) {
      if (err instanceof UnreadableJobError) return undefined;
      throw err;
    }
    if (!read[0]) return undefined;
    const jobs = read.filter((j): j is Job => !!j);
    // A live marker whose record is finished or gone was left by a writer that stopped between the two: drop it.
    const stale = ids.filter((id, i) => live.includes(id) && (!read[i] || isTerminal(read[i]!.status)));
    // Best effort: a marker left now is dropped by the next reader.
    await Promise.all(stale.map((id) => this.jobs.forgetFinished(repo, id).catch(() => undefined)));
    jobs.sort((a, b) => b.submittedAt - a.submittedAt);
    return jobs.filter((j, i) => i === 0 || !isTerminal(j.status)).map(summaryOf);
  }

  /**
   * Marks `failed` the unfinished jobs whose runner is gone (crashed, the
   * machine rebooted, the instance was terminated), with the reason the
   * backend can give, so `ps` does not show them running forever. A job
   * still `submitted` for less than `graceMs` is left alone: its runner may
   * be starting. Once a runner has written a status it is known to have
   * started, so its death needs no grace.
   */
  async reconcile(repo: string, graceMs = 30_000): Promise<RunSummary[]> {
    const fixed: RunSummary[] = [];
    for (const job of await this.unfinishedJobs(repo)) {
      if (job.status === 'submitted' && Date.now() - job.submittedAt < graceMs) continue;
      if (await this.backend.compute.isAlive(job)) continue;
      const reason = (await this.backend.compute.whyGone?.(job)) ?? 'The runner exited without finishing the job.';
      // On a full disk the run stays as it is for now: `ps` must still list, and the next reconcile tries again.
      const failed = await this.endIfUnfinished(repo, job.id, 'failed', { statusReason: reason, finishedAt: Date.now() }).catch(keepOnFullDisk);
      if (failed) fixed.push(summaryOf(failed));
    }
    return fixed;
  }

  /** The unfinished jobs, newest first, as their records say: from the live index, or every head while it cannot be built. */
  private async unfinishedJobs(repo: string): Promise<Job[]> {
    const snapshot = await this.jobs.liveSnapshot(repo);
    const ids = snapshot ? snapshot.live : (await this.jobs.heads(repo)).filter((h) => !isTerminal(h.status)).map((h) => h.jobId);
    const read = await mapBounded(ids, READS_AT_ONCE, (id) => this.jobs.get(repo, id).catch(skipUnreadable));
    return read.filter((j): j is Job => !!j && !isTerminal(j.status)).sort((a, b) => b.submittedAt - a.submittedAt);
  }

  /**
   * Moves a job to a terminal status unless a runner got there first (it
   * may finish between our read and our write); returns the job as written,
   * or undefined when it was already finished.
   */
  private async endIfUnfinished(repo: string, jobId: string, to: JobStatus, patch: JobPatch): Promise<Job | undefined> {
    try {
      return await this.jobs.setStatus(repo, jobId, to, patch);
    } catch (err) {
      const now = await this.jobs.get(repo, jobId);
      if (now && isTerminal(now.status)) return undefined;
      throw err;
    }
  }

  /** The job of a run, fresh from storage. */
  async get(repo: string, runName: string): Promise<Job> {
    const jobId = (await this.jobs.heads(repo, `${runName},`))[0]?.jobId ?? (await this.jobs.recordedJobId(repo, runName));
    const job = jobId && (await this.jobs.get(repo, jobId));
    if (!job) throw new NotFoundError(`Run ${runName} does not exist.`, 'See `dstack ps -a`.');
    return job;
  }

  /**
   * Asks the runner to stop (gracefully, or at once with `abort`). When the
   * runner is gone, nobody would ever answer, so the job is ended here.
   * `onNote` hears of a stop that took another path than the stored request.
   */
  async stop(repo: string, runName: string, opts: { abort?: boolean; onNote?: (line: string) => void } = {}): Promise<Job> {
    const abort = opts.abort === true;
    const job = await this.get(repo, runName);
    if (isTerminal(job.status)) return job;
    // Neither a stop nor an abort needs the record: on a full disk, the live runner is told directly (`signal`) and frees the disk as it ends.
    let stored = true;
    await writeStopRequest(this.backend.storage, repo, job.id, abort).catch((err: unknown) => {
      if (!isDiskFull(err)) throw err;
      stored = false;
    });
    const cancelled = abort && job.status === 'submitted' ? await this.backend.compute.cancel?.(job) : undefined;
    if (cancelled) {
      // No runner ran, and none will: its machine is gone, so the job is ended here.
      const patch = { statusReason: `Aborted before the runner started; ${cancelled}.`, finishedAt: Date.now() };
      return (await this.endIfUnfinished(repo, job.id, 'aborted', patch)) ?? this.jobs.require(repo, job.id);
    }
    if (await this.backend.compute.isAlive(job)) {
      await this.backend.compute.signal(job, abort, stored ? {} : { unstored: true });
      // An abort is signalled the same way either way; a stop took another path, so the caller hears of it.
      if (!stored && !abort) opts.onNote?.('The disk is full, so the stop request could not be stored; the runner was told to stop directly.');
      return job;
    }
    // The runner may have ended the job and exited since the read above (it reads the stop request too): its end stands.
    const patch = { statusReason: 'The runner was no longer running.', finishedAt: Date.now() };
    const stoppable = abort || canTransition(job.status, 'stopped') || (await this.endIfUnfinished(repo, job.id, 'stopping', {}));
    const ended = stoppable && (await this.endIfUnfinished(repo, job.id, abort ? 'aborted' : 'stopped', patch));
    return ended || this.jobs.require(repo, job.id);
  }

  /** Deletes a finished run: its record, status heads and artifacts. A tagged run keeps until its tag goes. */
  async remove(repo: string, runName: string): Promise<void> {
    const job = await this.get(repo, runName).catch(skipUnreadable);
    if (!job) return this.removeUnreadable(repo, runName);
    if (!isTerminal(job.status)) {
      throw new ConflictError(`Run ${runName} is ${job.status}; only a finished run can be removed.`, `Stop it first: dstack stop ${runName}`);
    }
    const tagged = (await this.tagStore.list(repo)).find((t) => t.jobId === job.id);
    if (tagged) {
      throw new ConflictError(`Run ${runName} is tagged ${tagged.tag}.`, `Delete the tag first: dstack tags delete ${tagged.tag}`);
    }
    await deleteAll(this.backend.storage, keys.artifactsPrefix(repo, job.id));
    await this.jobs.remove(repo, job.id);
    await this.backend.logs.delete?.(job);
  }

  /**
   * Removes a run whose record is unreadable, whatever its head says: no
   * runner can work on such a record. Its log stays, as its location is in
   * the record.
   */
  private async removeUnreadable(repo: string, runName: string): Promise<void> {
    const head = (await this.jobs.heads(repo, `${runName},`))[0];
    if (!head) throw new NotFoundError(`Run ${runName} does not exist.`, 'See `dstack ps -a`.');
    const tagged = (await this.tagStore.list(repo)).find((t) => t.jobId === head.jobId);
    if (tagged) {
      throw new ConflictError(`Run ${runName} is tagged ${tagged.tag}.`, `Delete the tag first: dstack tags delete ${tagged.tag}`);
    }
    await deleteAll(this.backend.storage, keys.artifactsPrefix(repo, head.jobId));
    await this.jobs.remove(repo, head.jobId);
  }

  /**
   * A run's log in batches. With `follow`, keeps reading until the job ends
   * (or its runner is found gone) and the log is drained. Failed reads are
   * retried; reads that cannot pass end it with one error (core/log-retry.ts).
   */
  async logs(repo: string, runName: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): Promise<AsyncIterable<LogEvent[]>> {
    const job = await this.get(repo, runName);
    const isDone = async (): Promise<boolean> => {
      const now = await this.jobs.get(repo, job.id);
      return !now || isTerminal(now.status) || !(await this.backend.compute.isAlive(now));
    };
    return readLogWithRetry(runName, () => this.backend.logs.read(job, { follow: opts.follow, isDone, signal: opts.signal }), { signal: opts.signal });
  }

  /** The job whose artifacts `ref` names: a run name, or `:TAG`. */
  async artifactsJob(repo: string, ref: string): Promise<Job> {
    if (!ref.startsWith(':')) return this.get(repo, ref);
    const tag = await this.tagStore.require(repo, ref.slice(1));
    return this.jobs.require(repo, tag.jobId);
  }

  /** One page of the entries in `folder` of a run's (or `:TAG`'s) artifacts. */
  async listArtifacts(repo: string, ref: string, folder = '', token?: string): Promise<ArtifactPage> {
    const job = await this.artifactsJob(repo, ref);
    return listArtifacts(this.backend.storage, repo, job.id, folder, token);
  }

  /**
   * Files and bytes under `folder` of a job's artifacts. Takes the job, not a
   * ref, so a caller that caches totals by job id resolves the ref only once.
   */
  async artifactFolderTotal(job: Job, folder = '', signal?: AbortSignal): Promise<FolderTotal> {
    return folderTotal(this.backend.storage, job.repo, job.id, folder, signal);
  }

  /** Every artifact file at or under `path` of a run (or `:TAG`), for a recursive listing. */
  async *artifactFiles(repo: string, ref: string, path = ''): AsyncGenerator<ArtifactEntry> {
    const job = await this.artifactsJob(repo, ref);
    yield* walkArtifacts(this.backend.storage, repo, job.id, path);
  }

  /** Downloads an artifact file or folder to a local path. */
  async copyArtifacts(repo: string, ref: string, src: string, dst: string, opts: TransferOptions = {}): Promise<TreeResult> {
    const job = await this.artifactsJob(repo, ref);
    return copyArtifacts(this.backend.storage, repo, job.id, src, dst, opts);
  }

  async listTags(repo: string): Promise<{ tag: string; runName: string; jobId: string }[]> {
    return (await this.tagStore.list(repo)).map(({ tag, runName, jobId }) => ({ tag, runName, jobId }));
  }

  /** Tags a finished run that stored artifacts; a tag names artifacts, so without them it would name nothing. */
  async addTag(repo: string, tag: string, runName: string): Promise<void> {
    const job = await this.get(repo, runName);
    if (job.status !== 'done' && job.status !== 'stopped') {
      throw new ConflictError(`Run ${runName} is ${job.status}; only a done or stopped run can be tagged.`);
    }
    if (!(await hasArtifacts(this.backend.storage, repo, job.id))) {
      throw new ConflictError(`Run ${runName} has no artifacts to tag.`);
    }
    await this.tagStore.add(repo, tag, runName, job.id);
  }

  deleteTag(repo: string, tag: string): Promise<void> {
    return this.tagStore.delete(repo, tag);
  }

  listSecrets(repo: string): Promise<string[]> {
    return this.backend.secrets.list(repo);
  }

  /** Stores a secret; its name becomes the job's environment variable, so it must be a valid one. */
  async addSecret(repo: string, name: string, value: string): Promise<void> {
    if (!SECRET_NAME.test(name)) {
      throw new InvalidArgumentError(`Invalid secret name "${name}".`, 'Use letters, digits and underscore, not starting with a digit.');
    }
    if (!value) throw new InvalidArgumentError(`The value of secret ${name} is empty.`);
    await this.backend.secrets.set(repo, name, value);
  }

  /** Deletes a secret; the backend reports a missing one as NotFoundError. */
  deleteSecret(repo: string, name: string): Promise<void> {
    return this.backend.secrets.delete(repo, name);
  }
}
