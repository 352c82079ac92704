/**
 * Jobs waiting for cloud capacity. When EC2 answers InsufficientInstanceCapacity
 * (or GCE ZONE_RESOURCE_POOL_EXHAUSTED), a job submitted through the hub is
 * not failed: it stays `submitted`, with a status reason saying why it waits
 * and when it tries again, and an entry here tells the hub's timer to launch
 * it again with backoff. The entries live in the project's own storage, next
 * to its jobs, so every hub process serving the project sees the same ones;
 * each retry is claimed with a conditional write of the entry (If-Match), so
 * of two hubs on one project exactly one launches a given attempt.
 */
import type { Job } from '../../common/job';
import type { CapacityShortage } from '../../common/errors';
import { DstackError, toDstackError } from '../../common/errors';
import type { Storage } from '../../core/backend';
import { PreconditionFailedError } from '../../core/backend';
import { parseJobRecord } from '../../core/job-record';
import { keys } from '../../core/keys';
import { listAll } from '../../core/pages';

/**
 * How a hub spaces its tries: the delay after try n is `delaysMs[n-1]` (the
 * last one repeats), for at most `giveUpAfterMs`. A claimed try is the
 * claimer's for `claimMs` (default {@link CLAIM_MS}): long enough for any
 * launch, so another hub never starts the same job while one launch is
 * still under way; a hub that dies mid-launch leaves it to others after that.
 */
export interface CapacityRetryOptions {
  delaysMs: readonly number[];
  giveUpAfterMs: number;
  claimMs?: number;
}

/** How long a claimed try stays its claimer's: launches take seconds, but a throttled cloud API retries for minutes. */
export const CLAIM_MS = 10 * 60_000;

/** 30 s, then doubling to a quarter hour; a job that found no capacity for six hours is failed. */
export const CAPACITY_RETRY: CapacityRetryOptions = {
  delaysMs: [30_000, 60_000, 120_000, 240_000, 480_000, 900_000],
  giveUpAfterMs: 6 * 3_600_000,
};

/** One waiting job, as stored under `capacity-waits/`. */
export interface CapacityWait {
  repo: string;
  jobId: string;
  /** Tries made so far (the submit's own launch is the first). */
  tries: number;
  /** When the first try found no capacity. */
  since: number;
  /** When the next try is due. */
  nextAt: number;
  /** The cloud's words for the last refusal. */
  reason: string;
}

const PREFIX = 'capacity-waits/';
const waitKey = (repo: string, jobId: string) => `${PREFIX}${repo}/${jobId}.json`;

/**
 * A shortage of the moment, worth trying again: a backend marks it so
 * (EC2's capacity codes, a GCE zone out of machines), and the hub need not
 * know any backend's errors. "No instance type fits" is also a `capacity`
 * error, but no wait will change it, so it carries no mark.
 */
export function isCapacityShortage(err: unknown): boolean {
  const e = toDstackError(err);
  return e.code === 'capacity' && (e.details as Partial<CapacityShortage> | undefined)?.shortage === true;
}

/** The reason a waiting run shows: the refusal, the tries so far and when the next one is. */
export function waitingReason(w: CapacityWait): string {
  return `Waiting for capacity: ${w.reason.replace(/\.$/, '')}. Tried ${w.tries} time${w.tries === 1 ? '' : 's'}; next try at ${new Date(w.nextAt).toISOString()}.`;
}

export class CapacityWaits {
  constructor(
    private readonly storage: Storage,
    private readonly retry: CapacityRetryOptions = CAPACITY_RETRY,
    private readonly now: () => number = Date.now,
  ) {}

  private delayAfter(tries: number): number {
    const d = this.retry.delaysMs;
    return d[Math.min(tries, d.length) - 1] ?? 30_000;
  }

  /** Records the first refusal of a job's launch (create-only: a second hub's record of the same refusal is the same wait). */
  async start(job: Job, err: unknown): Promise<CapacityWait> {
    const now = this.now();
    const wait: CapacityWait = { repo: job.repo, jobId: job.id, tries: 1, since: now, nextAt: now + this.delayAfter(1), reason: toDstackError(err).message };
    try {
      await this.storage.put(waitKey(job.repo, job.id), JSON.stringify(wait), { ifNoneMatch: '*' });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
    await this.annotate(job.repo, job.id, waitingReason(wait));
    return wait;
  }

  async get(repo: string, jobId: string): Promise<CapacityWait | undefined> {
    return (await this.read(waitKey(repo, jobId)))?.wait;
  }

  /** Ends a job's wait (launched, stopped, failed or gone). */
  async drop(repo: string, jobId: string): Promise<void> {
    await this.storage.delete([waitKey(repo, jobId)]);
  }

  /**
   * The waits due now that this process won: each is claimed with a write
   * conditional on the version read, so a hub that read the same version
   * loses the write and leaves the job alone. The claim holds for the
   * launch's whole length (`claimMs`), however slow, and the refusal that
   * ends it sets the next try (see {@link refused}); a claimer that dies
   * mid-launch leaves the job to any hub once the claim runs out.
   */
  async claimDue(): Promise<CapacityWait[]> {
    const won: CapacityWait[] = [];
    for await (const o of listAll(this.storage, PREFIX)) {
      const read = await this.read(o.key);
      if (!read || read.wait.nextAt > this.now()) continue;
      const tries = read.wait.tries + 1;
      const claimed: CapacityWait = { ...read.wait, tries, nextAt: this.now() + (this.retry.claimMs ?? CLAIM_MS) };
      try {
        await this.storage.put(o.key, JSON.stringify(claimed), { ifMatch: read.etag });
        won.push(claimed);
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
      }
    }
    return won;
  }

  /** Whether a claimed wait has run out of time: its job is then failed instead of tried again. */
  gaveUp(w: CapacityWait): boolean {
    return this.now() - w.since >= this.retry.giveUpAfterMs;
  }

  /** A try that met another shortage: the next try is due the try's delay from now, with the new refusal. */
  async refused(w: CapacityWait, err: unknown): Promise<void> {
    const next: CapacityWait = { ...w, nextAt: this.now() + this.delayAfter(w.tries), reason: toDstackError(err).message };
    const read = await this.read(waitKey(w.repo, w.jobId));
    if (!read) return;
    try {
      await this.storage.put(waitKey(w.repo, w.jobId), JSON.stringify(next), { ifMatch: read.etag });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
    await this.annotate(w.repo, w.jobId, waitingReason(next));
  }

  /**
   * Sets the status reason of a job that is still `submitted`, written only
   * over the version read (a runner or a stop may write it meanwhile; then
   * the reason is read again, and left alone once the job has moved on).
   * `undefined` clears it, once the job has launched.
   */
  async annotate(repo: string, jobId: string, reason: string | undefined): Promise<void> {
    const key = keys.jobRecord(repo, jobId);
    for (let attempt = 0; attempt < 20; attempt++) {
      const read = await this.storage.getWithEtag(key);
      if (!read) return;
      const job = await parseJobRecord(key, jobId, read.body);
      if (job.status !== 'submitted') return;
      const { statusReason: _old, ...rest } = job;
      const next: Job = reason === undefined ? rest : { ...rest, statusReason: reason };
      try {
        return await this.storage.put(key, JSON.stringify(next, null, 2), { ifMatch: read.etag });
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
      }
    }
    throw new DstackError('conflict', `Job ${jobId} kept changing while the hub noted that it waits for capacity.`, { fix: 'Nothing to do: the next pass notes it again.' });
  }

  private async read(key: string): Promise<{ wait: CapacityWait; etag: string } | undefined> {
    const read = await this.storage.getWithEtag(key);
    if (!read) return undefined;
    try {
      const wait = JSON.parse(read.body.toString('utf8')) as CapacityWait;
      if (typeof wait.repo !== 'string' || typeof wait.jobId !== 'string' || !Number.isFinite(wait.nextAt) || !Number.isFinite(wait.tries)) return undefined;
      return { wait, etag: read.etag };
    } catch {
      // A cut-off entry (a crash mid-write) is no wait: its job is then failed by reconcile like any other without a runner.
      return undefined;
    }
  }
}
