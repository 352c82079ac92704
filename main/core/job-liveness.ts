/**
 * Whether a cloud resource (an instance, a spot request, a launch intent)
 * still belongs to a job that is going: the question every compute
 * backend's reconcile asks of each thing it finds, answered once per job
 * per pass, since one job may own several of them.
 */
import { isTerminal } from '../common/status';
import type { JobStore } from './jobs';

/** A check for one reconcile pass; a resource without repo or job id (untagged) belongs to no live job. */
export function jobLiveness(jobs: JobStore): (repo: string | undefined, jobId: string | undefined) => Promise<boolean> {
  const cache = new Map<string, boolean>();
  return async (repo, jobId) => {
    if (!repo || !jobId) return false;
    const k = `${repo}\n${jobId}`;
    let live = cache.get(k);
    if (live === undefined) {
      const job = await jobs.get(repo, jobId);
      live = Boolean(job && !isTerminal(job.status));
      cache.set(k, live);
    }
    return live;
  };
}
