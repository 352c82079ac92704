/**
 * A small index beside the job store, so `ps` (unfinished runs and the
 * newest) reads a handful of keys instead of listing every run a project
 * ever had. A status change rewrites a job's record and moves its head in
 * the one folder that holds all 10,000 of them, so a long-lived process (a
 * hub, the app) could keep no listing of it while runs change, and every
 * `ps` read 30,000 names again. The index keeps:
 * - a live marker per unfinished job, made when the job is created and
 *   deleted once its record says it finished (a marker whose record is
 *   finished or gone is stale, and whoever reads it deletes it);
 * - a recent marker per job, its key counting down from the job's submit
 *   time so the newest lists first; only the newest RECENT_KEPT are kept.
 * Markers never move while a job runs, so a listing of them cannot miss a
 * job whose status changes meanwhile (the race the full listing answers
 * from records). Jobs created before the index existed are indexed once
 * per repo from a full listing, then `liveIndexBuilt` is written.
 */
import { isTerminal } from '../common/status';
import type { Job } from '../common/job';
import type { Storage } from './backend';
import type { JobHead } from './keys';
import { keys } from './keys';
import { listAll } from './pages';

/** Recent markers kept per repo: `ps` needs the newest; the rest stand in when newer runs are removed. */
export const RECENT_KEPT = 32;

export interface LiveSnapshot {
  /** Ids of jobs with a live marker: unfinished, or finished a moment ago. */
  live: string[];
  /** Ids of the newest jobs, newest first. */
  recent: string[];
}

export class LiveIndex {
  /** Repos whose index this process has seen built. */
  private readonly built = new Set<string>();

  constructor(private readonly storage: Storage) {}

  /** Marks a job just created (its record is stored). */
  async added(job: Job): Promise<void> {
    const puts = [this.storage.put(keys.recentMarker(job.repo, job.id, job.submittedAt), '')];
    if (!isTerminal(job.status)) puts.push(this.storage.put(keys.liveMarker(job.repo, job.id), ''));
    await Promise.all(puts);
    const recent = await this.keysUnder(keys.recentMarkerPrefix(job.repo));
    if (recent.length > RECENT_KEPT) await this.storage.delete(recent.slice(RECENT_KEPT));
  }

  /** A job's record says it finished: it is no longer live. */
  async finished(repo: string, jobId: string): Promise<void> {
    await this.storage.delete([keys.liveMarker(repo, jobId)]);
  }

  /** A job was removed: its markers go too. */
  async removed(repo: string, jobId: string): Promise<void> {
    const recent = (await this.keysUnder(keys.recentMarkerPrefix(repo))).filter((k) => k.endsWith(`;${jobId}`));
    await this.storage.delete([keys.liveMarker(repo, jobId), ...recent]);
  }

  /**
   * The live and newest jobs of a repo; `heads` lists every job, needed once
   * per repo to index jobs from before the index. Undefined while the index
   * cannot be built here (a full disk, storage this caller may only read):
   * `ps` must still answer, from the full listing.
   */
  async snapshot(repo: string, heads: () => Promise<JobHead[]>): Promise<LiveSnapshot | undefined> {
    if (!(await this.build(repo, heads))) return undefined;
    const [live, recent] = await Promise.all([this.keysUnder(keys.liveMarkerPrefix(repo)), this.keysUnder(keys.recentMarkerPrefix(repo))]);
    const livePrefix = keys.liveMarkerPrefix(repo).length;
    return { live: live.map((k) => k.slice(livePrefix)), recent: recent.map((k) => k.slice(k.indexOf(';') + 1)) };
  }

  /** True once the repo's index is built, by this call or before; false when its markers cannot be written. */
  private async build(repo: string, heads: () => Promise<JobHead[]>): Promise<boolean> {
    if (this.built.has(repo)) return true;
    if (!(await this.storage.get(keys.liveIndexBuilt(repo)))) {
      // Jobs another process creates meanwhile mark themselves; a job that finishes meanwhile may get a stale marker, which readers delete.
      const all = await heads();
      try {
        await Promise.all([
          ...all.filter((h) => !isTerminal(h.status)).map((h) => this.storage.put(keys.liveMarker(repo, h.jobId), '')),
          ...all.slice(0, RECENT_KEPT).map((h) => this.storage.put(keys.recentMarker(repo, h.jobId, h.submittedAt), '')),
        ]);
        await this.storage.put(keys.liveIndexBuilt(repo), JSON.stringify({ version: 1, builtAt: new Date().toISOString() }));
      } catch {
        // Not built: the next caller tries again; until then `ps` lists everything, as before the index.
        return false;
      }
    }
    this.built.add(repo);
    return true;
  }

  /** Keys directly under `prefix`: a repo id may hold slashes, so another repo's markers sit in sub-folders, left out by the delimiter. */
  private async keysUnder(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const o of listAll(this.storage, prefix, { keysOnly: true, delimiter: '/' })) out.push(o.key);
    return out;
  }
}
