/**
 * The job store: a JSON record per job plus a status "head" key, so `ps` is
 * one paginated listing. The CLI, the app and runners write the same jobs at
 * once, so nothing here is read-then-write:
 * - a run name is claimed with a create-only write (If-None-Match), so two
 *   submits never share one;
 * - a status change replaces the record only if it is still the version it
 *   was checked against (If-Match), re-reading and re-checking the state
 *   machine when another writer got there first;
 * - a head is deleted only when a head of a later status exists. Statuses
 *   only move up in rank, so the newest head is never deleted and the job
 *   never drops out of a listing; a reader that sees two heads keeps the one
 *   with the higher rank.
 */
import { NotFoundError } from '../common/errors';
import type { Job } from '../common/job';
import { runNameOfJobId } from '../common/job';
import { assertTransition, isTerminal, statusRank } from '../common/status';
import type { JobStatus } from '../common/status';
import type { ObjectInfo, Storage } from './backend';
import { PreconditionFailedError } from './backend';
import { ConflictError } from './errors';
import { parseJobRecord } from './job-record';
import type { JobHead } from './keys';
import { keys, parseJobHead } from './keys';
import { nextRunName } from './names';
import { listAll, listPages } from './pages';
import type { LiveSnapshot } from './live-index';
import { LiveIndex } from './live-index';

/** Every job of a repo as one listing saw it; see {@link JobStore.everyJob}. */
export interface EveryJob {
  heads: JobHead[];
  unheaded: string[];
  /** Each record as listed (with its etag) when asked for; else empty. */
  records: Map<string, ObjectInfo>;
}

/** Fields a status change may set besides the status itself. */
export type JobPatch = Partial<Pick<Job, 'statusReason' | 'exitCode' | 'startedAt' | 'finishedAt' | 'runnerPid' | 'instanceId'>>;

/**
 * A record listed as last changed this long before the listing may be kept
 * by its etag: a local etag is size and mtime, and two same-size writes in
 * one coarse clock tick would share one, so a record still changing is
 * read again each time.
 */
const SETTLED_MS = 1000;
/** Parsed records kept by a long-lived process (app, server, hub), per project: about 1–2 KiB each. */
const MAX_KEPT = 20_000;

/** Tries before a busy writer gives up; each lost try means another writer made progress. */
const MAX_TRIES = 100;

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 5 * attempt)));

export class JobStore {
  /** Parsed records by job id, with the etag they were read under (see {@link getListed}). */
  private readonly kept = new Map<string, { etag: string; job: Job }>();
  /** The last {@link everyJob} answer per repo, with the storage version it was listed at. */
  private readonly listed = new Map<string, { version: string; records: boolean; jobs: EveryJob }>();

  /** Markers of unfinished and newest jobs, for `ps`. */
  private readonly index: LiveIndex;

  constructor(private readonly storage: Storage) {
    this.index = new LiveIndex(storage);
  }

  /**
   * Claims a run name no other run has or had in this repo: the next number
   * of a random word pair, taken with a create-only write. A name another
   * submit took first is skipped for the next number.
   */
  async claimRunName(repo: string): Promise<string> {
    const taken = new Set((await this.heads(repo)).map((h) => runNameOfJobId(h.jobId)));
    const prefix = keys.runNamePrefix(repo);
    for await (const o of listAll(this.storage, prefix, { keysOnly: true })) taken.add(o.key.slice(prefix.length));
    for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
      const name = nextRunName(taken);
      try {
        await this.storage.put(keys.runName(repo, name), '', { ifNoneMatch: '*' });
        return name;
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
        taken.add(name);
      }
    }
    throw new ConflictError('Could not find a free run name: too many submits at once.', 'Submit again.');
  }

  /**
   * The id of run `runName`'s job, from its record's key. Records never move
   * (a status change rewrites one in place), so this finds a run even when a
   * listing of heads raced a status change: a directory listing can miss the
   * new head and the old one deleted after it.
   */
  async recordedJobId(repo: string, runName: string): Promise<string | undefined> {
    const base = keys.jobRecord(repo, '');
    for await (const o of listAll(this.storage, `${base.slice(0, -'.json'.length)}${runName},`, { keysOnly: true })) {
      if (o.key.endsWith('.json')) return o.key.slice(base.length - '.json'.length, -'.json'.length);
    }
    return undefined;
  }

  /** Gives back a name claimed for a submit that failed before storing its job. */
  async releaseRunName(repo: string, runName: string): Promise<void> {
    await this.storage.delete([keys.runName(repo, runName)]);
  }

  /** Stores a new job: record first, so a head never points at nothing. */
  async create(job: Job): Promise<void> {
    try {
      await this.storage.put(keys.jobRecord(job.repo, job.id), JSON.stringify(job, null, 2), { ifNoneMatch: '*' });
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new ConflictError(`Job ${job.id} already exists in ${job.repo}.`);
      throw err;
    }
    await this.index.added(job);
    await this.storage.put(keys.jobHead(job.repo, job.id, job.status, job.submittedAt), '');
  }

  /** The ids of a repo's unfinished jobs and of its newest ones (see live-index.ts), without listing every job; undefined while the index cannot be built. */
  liveSnapshot(repo: string): Promise<LiveSnapshot | undefined> {
    return this.index.snapshot(repo, async () => (await this.everyJob(repo)).heads);
  }

  /** Drops the live marker of a job whose record says it finished (a marker a crashed or older writer left). */
  async forgetFinished(repo: string, jobId: string): Promise<void> {
    await this.index.finished(repo, jobId);
  }

  /** The job, or undefined when there is none; an UnreadableJobError (with its key) when the record is damaged. */
  async get(repo: string, jobId: string): Promise<Job | undefined> {
    const key = keys.jobRecord(repo, jobId);
    const body = await this.storage.get(key);
    return body ? parseJobRecord(key, jobId, body, this.where(key)) : undefined;
  }

  async require(repo: string, jobId: string): Promise<Job> {
    const job = await this.get(repo, jobId);
    if (!job) throw new NotFoundError(`Job ${jobId} does not exist in ${repo}.`);
    return job;
  }

  /**
   * Moves a job to `to`, checked against its stored status and written only
   * over the version checked. Returns the job as written. Throws
   * `illegal_transition` when another writer has made the move illegal.
   */
  async setStatus(repo: string, jobId: string, to: JobStatus, patch: JobPatch = {}): Promise<Job> {
    const key = keys.jobRecord(repo, jobId);
    for (let attempt = 1; ; attempt++) {
      const read = await this.storage.getWithEtag(key);
      if (!read) throw new NotFoundError(`Job ${jobId} does not exist in ${repo}.`);
      const current = await parseJobRecord(key, jobId, read.body, this.where(key));
      assertTransition(current.status, to);
      const next: Job = { ...current, ...patch, status: to, updatedAt: Date.now() };
      const body = JSON.stringify(next, null, 2);
      try {
        await this.storage.put(key, body, { ifMatch: read.etag });
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
        // A retried request can land and still be answered "precondition failed": then the write is ours.
        if ((await this.storage.get(key))?.toString('utf8') !== body) {
          if (attempt >= MAX_TRIES) throw new ConflictError(`Job ${jobId} changed ${MAX_TRIES} times while moving it to ${to}.`, 'Try again.');
          await backoff(attempt);
          continue;
        }
      }
      await this.moveHead(repo, jobId, to, current.submittedAt);
      // Best effort: the status is stored, and a reader drops a live marker whose record says finished.
      if (isTerminal(to)) await this.index.finished(repo, jobId).catch(() => undefined);
      return next;
    }
  }

  /**
   * Heads under the repo whose key continues with `startsWith` (a run name
   * plus `,`, or a job id plus `;`), deduplicated by job id.
   */
  async heads(repo: string, startsWith = ''): Promise<JobHead[]> {
    return newestHeads(await this.headsOf(repo, startsWith));
  }

  /**
   * Every job of the repo as a listing sees it: the newest head of each,
   * newest first, and the ids of jobs whose record was listed with no head
   * (`unheaded`). A status change puts the new head and then deletes the old
   * one, and a listing that runs meanwhile can pass the new head's place
   * before it exists and reach the old one's after it is gone. Records never
   * move (a status change rewrites one in place), and they are listed after
   * the heads, so a job that existed throughout is in one list or the other.
   * Without `records`, heads and records come from one listing of the
   * repo's folder, whose pages share one folder read on local storage
   * instead of reading 30,000 names twice; a record, never moving, is listed
   * whatever that listing saw of the heads, so the same holds.
   * Unheaded are also jobs being created (record first) or removed.
   */
  async everyJob(repo: string, opts: { records?: boolean } = {}): Promise<EveryJob> {
    // Unchanged since the last listing (a long-lived process on local storage): nothing to list again.
    const version = await this.storage.version?.(keys.jobRecord(repo, '').slice(0, -'.json'.length));
    const last = this.listed.get(repo);
    if (version && last?.version === version && (last.records || !opts.records)) return last.jobs;
    const jobs = await this.listEveryJob(repo, opts);
    // Kept only with a version read before the listing: a change during the listing then moves the version.
    if (version) this.listed.set(repo, { version, records: !!opts.records, jobs });
    else this.listed.delete(repo);
    return jobs;
  }

  private async listEveryJob(repo: string, opts: { records?: boolean }): Promise<EveryJob> {
    if (!opts.records) return this.listHeadsAndRecords(repo);
    const heads = await this.heads(repo);
    const headed = new Set(heads.map((h) => h.jobId));
    const base = keys.jobRecord(repo, '').slice(0, -'.json'.length);
    const unheaded: string[] = [];
    const records = new Map<string, ObjectInfo>();
    // The `;` delimiter folds the heads and name claims into two prefixes, so this lists little more than the records.
    for await (const o of listAll(this.storage, base, { keysOnly: !opts.records, delimiter: ';' })) {
      if (!o.key.endsWith('.json')) continue;
      const jobId = o.key.slice(base.length, -'.json'.length);
      if (!headed.has(jobId)) unheaded.push(jobId);
      if (opts.records) records.set(jobId, o);
    }
    return { heads, unheaded, records };
  }

  /** Heads and record keys from one keys-only listing of the repo's folder, a page at a time. */
  private async listHeadsAndRecords(repo: string): Promise<EveryJob> {
    const base = keys.jobRecord(repo, '').slice(0, -'.json'.length);
    const headPrefix = keys.jobHeadPrefix(repo);
    const found: JobHead[] = [];
    const recorded: string[] = [];
    // The `/` delimiter keeps any sub-folder's keys out: the repo's keys are all in its folder.
    for await (const objects of listPages(this.storage, base, { keysOnly: true, delimiter: '/' })) {
      for (const { key } of objects) {
        if (key.startsWith(headPrefix)) {
          const h = parseJobHead(key);
          if (h) found.push(h);
        } else if (key.endsWith('.json')) recorded.push(key.slice(base.length, -'.json'.length));
      }
    }
    const heads = newestHeads(found);
    const headed = new Set(heads.map((h) => h.jobId));
    return { heads, unheaded: recorded.filter((jobId) => !headed.has(jobId)), records: new Map() };
  }

  /**
   * The job as {@link get} reads it, or as parsed before when the listing
   * `listed` it under the same etag, so listing every run of a project
   * reads only the records that changed. `since`: when that listing began.
   */
  async getListed(repo: string, jobId: string, listed: ObjectInfo | undefined, since: number): Promise<Job | undefined> {
    const kept = listed?.etag ? this.kept.get(jobId) : undefined;
    if (kept && kept.etag === listed!.etag && kept.job.repo === repo) return kept.job;
    const job = await this.get(repo, jobId);
    if (job && listed?.etag && listed.modified < since - SETTLED_MS) {
      this.kept.delete(jobId);
      this.kept.set(jobId, { etag: listed.etag, job });
      if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
    }
    return job;
  }

  /** Deletes a job's record and every head of it. Its run name stays claimed, so it is never reused. */
  async remove(repo: string, jobId: string): Promise<void> {
    const stale = (await this.headsOf(repo, `${jobId};`)).map((h) => h.key);
    await this.storage.delete([...stale, keys.jobRecord(repo, jobId), keys.stopRequest(repo, jobId)]);
    await this.index.removed(repo, jobId);
  }

  /**
   * Puts the head of the status just written, then deletes the heads below
   * the highest one listed. A writer that lost the race to a later status
   * thereby deletes its own head, never the winner's.
   */
  private async moveHead(repo: string, jobId: string, to: JobStatus, submittedAt: number): Promise<void> {
    await this.storage.put(keys.jobHead(repo, jobId, to, submittedAt), '');
    const heads = await this.headsOf(repo, `${jobId};`);
    const top = Math.max(...heads.map((h) => statusRank(h.status)));
    const stale = heads.filter((h) => statusRank(h.status) < top).map((h) => h.key);
    if (stale.length) await this.storage.delete(stale);
  }

  private where(key: string): string {
    return this.storage.locate?.(key) ?? key;
  }

  private async headsOf(repo: string, startsWith: string): Promise<JobHead[]> {
    const out: JobHead[] = [];
    for await (const o of listAll(this.storage, keys.jobHeadPrefix(repo) + startsWith, { keysOnly: true })) {
      const h = parseJobHead(o.key);
      if (h) out.push(h);
    }
    return out;
  }
}

/** Each job's head of the highest status (a status change leaves the old one until it deletes it), newest job first. */
function newestHeads(heads: readonly JobHead[]): JobHead[] {
  const best = new Map<string, JobHead>();
  for (const h of heads) {
    const seen = best.get(h.jobId);
    if (!seen || statusRank(h.status) > statusRank(seen.status)) best.set(h.jobId, h);
  }
  return [...best.values()].sort((a, b) => b.submittedAt - a.submittedAt);
}
