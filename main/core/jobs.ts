/**
 * The job store: a JSON record per job plus a status "head" key, so `ps` is
 * one paginated listing. A status change writes the record, puts the new
 * head, then deletes the old one; a reader may briefly see two heads, and
 * keeps the one with the higher status rank. Every change is checked
 * against the state machine against the stored status, never a cached one.
 */
import { DstackError, NotFoundError } from '../common/errors';
import type { Job } from '../common/job';
import { assertTransition, statusRank } from '../common/status';
import type { JobStatus } from '../common/status';
import type { Storage } from './backend';
import type { JobHead } from './keys';
import { keys, parseJobHead } from './keys';
import { listAll } from './pages';

/** Fields a status change may set besides the status itself. */
export type JobPatch = Partial<Pick<Job, 'statusReason' | 'exitCode' | 'startedAt' | 'finishedAt' | 'runnerPid' | 'instanceId'>>;

export class JobStore {
  constructor(private readonly storage: Storage) {}

  /** Stores a new job: record first, so a head never points at nothing. */
  async create(job: Job): Promise<void> {
    await this.storage.put(keys.jobRecord(job.repo, job.id), JSON.stringify(job, null, 2));
    await this.storage.put(keys.jobHead(job.repo, job.id, job.status, job.submittedAt), '');
  }

  async get(repo: string, jobId: string): Promise<Job | undefined> {
    const body = await this.storage.get(keys.jobRecord(repo, jobId));
    if (!body) return undefined;
    try {
      return JSON.parse(body.toString('utf8')) as Job;
    } catch (err) {
      throw new DstackError('internal', `The record of job ${jobId} is not valid JSON.`, { cause: err });
    }
  }

  async require(repo: string, jobId: string): Promise<Job> {
    const job = await this.get(repo, jobId);
    if (!job) throw new NotFoundError(`Job ${jobId} does not exist in ${repo}.`);
    return job;
  }

  /**
   * Moves a job to `to`, checked against its stored status. Returns the job
   * as written. Throws `illegal_transition` when another writer got there first.
   */
  async setStatus(repo: string, jobId: string, to: JobStatus, patch: JobPatch = {}): Promise<Job> {
    const current = await this.require(repo, jobId);
    assertTransition(current.status, to);
    const next: Job = { ...current, ...patch, status: to, updatedAt: Date.now() };
    await this.storage.put(keys.jobRecord(repo, jobId), JSON.stringify(next, null, 2));
    const head = keys.jobHead(repo, jobId, to, current.submittedAt);
    await this.storage.put(head, '');
    const stale = (await this.headsOf(repo, `${jobId};`)).map((h) => h.key).filter((k) => k !== head);
    if (stale.length) await this.storage.delete(stale);
    return next;
  }

  /**
   * Heads under the repo whose key continues with `startsWith` (a run name
   * plus `,`, or a job id plus `;`), deduplicated by job id.
   */
  async heads(repo: string, startsWith = ''): Promise<JobHead[]> {
    const best = new Map<string, JobHead>();
    for (const h of await this.headsOf(repo, startsWith)) {
      const seen = best.get(h.jobId);
      if (!seen || statusRank(h.status) > statusRank(seen.status)) best.set(h.jobId, h);
    }
    return [...best.values()].sort((a, b) => b.submittedAt - a.submittedAt);
  }

  /** Deletes a job's record and every head of it. */
  async remove(repo: string, jobId: string): Promise<void> {
    const stale = (await this.headsOf(repo, `${jobId};`)).map((h) => h.key);
    await this.storage.delete([...stale, keys.jobRecord(repo, jobId), keys.stopRequest(repo, jobId)]);
  }

  private async headsOf(repo: string, startsWith: string): Promise<JobHead[]> {
    const out: JobHead[] = [];
    for await (const o of listAll(this.storage, keys.jobHeadPrefix(repo) + startsWith)) {
      const h = parseJobHead(o.key);
      if (h) out.push(h);
    }
    return out;
  }
}
