/**
 * A hub project's backend with launches that wait out a capacity shortage
 * instead of failing the run (capacity-waits.ts): the submit's launch is
 * the first try, the hub's timer makes the next ones (`resubmitDue`). To the
 * rest of the service a waiting job is alive, so reconcile leaves it alone,
 * and a stop or an abort ends the wait and the run at once, as nothing is
 * running that could answer it.
 */
import { toDstackError } from '../../common/errors';
import type { Job } from '../../common/job';
import type { Backend, Compute } from '../../core/backend';
import { JobStore } from '../../core/jobs';
import { readStopRequest } from '../../core/stop-request';
import type { CapacityRetryOptions } from './capacity-waits';
import { CapacityWaits, isCapacityShortage } from './capacity-waits';

/** The backend as the hub uses it: the project's own, plus the pass that tries waiting jobs again. */
export interface WaitingBackend extends Backend {
  /** Tries again every waiting job whose next try is due and that this process claimed; returns the ids launched. */
  resubmitDue(): Promise<string[]>;
}

/** Whether the hub tries this backend's waiting jobs again (a cloud backend, wrapped by {@link withCapacityWaits}). */
export function isWaitingBackend(backend: Backend): backend is WaitingBackend {
  return typeof (backend as Partial<WaitingBackend>).resubmitDue === 'function';
}

/** A cloud backend with launches that wait out a shortage; a local backend never has one and comes back as it is. */
export function withCapacityWaits(backend: Backend, retry?: CapacityRetryOptions): Backend {
  if (backend.name === 'local') return backend;
  const inner = backend.compute;
  const waits = new CapacityWaits(backend.storage, retry);
  const jobs = new JobStore(backend.storage);

  /** Ends a waiting job as a stop or abort would, with a reason that says it never launched. */
  const endWaiting = async (job: Job, abort: boolean): Promise<void> => {
    await waits.drop(job.repo, job.id);
    const patch = { statusReason: `${abort ? 'Aborted' : 'Stopped'} while waiting for capacity; no machine was launched.`, finishedAt: Date.now() };
    await jobs.setStatus(job.repo, job.id, abort ? 'aborted' : 'stopped', patch).catch(async (err: unknown) => {
      // A second hub ended it first: nothing is left to do.
      if ((await jobs.get(job.repo, job.id))?.status === 'submitted') throw err;
    });
  };

  const compute: Compute = {
    offer: (job) => inner.offer(job),
    async launch(job) {
      try {
        await inner.launch(job);
      } catch (err) {
        if (!isCapacityShortage(err)) throw err;
        await waits.start(job, err);
      }
    },
    async signal(job, abort, opts) {
      if (job.status === 'submitted' && (await waits.get(job.repo, job.id))) return endWaiting(job, abort);
      return inner.signal(job, abort, opts);
    },
    async isAlive(job) {
      if (job.status === 'submitted' && (await waits.get(job.repo, job.id))) return true;
      return inner.isAlive(job);
    },
    reconcile: () => inner.reconcile(),
    async cancel(job) {
      if (await waits.get(job.repo, job.id)) {
        await waits.drop(job.repo, job.id);
        return 'it was still waiting for capacity, so no machine was launched';
      }
      return inner.cancel?.(job);
    },
    ...(inner.whyGone ? { whyGone: (job: Job) => inner.whyGone!(job) } : {}),
    ...(inner.watchInterruption ? { watchInterruption: (job: Job, onNotice: (reason: string) => void) => inner.watchInterruption!(job, onNotice) } : {}),
  };

  /** One claimed try: launched, refused again, given up, or found stopped or gone meanwhile. */
  const retryOne = async (w: Awaited<ReturnType<CapacityWaits['claimDue']>>[number]): Promise<boolean> => {
    const job = await jobs.get(w.repo, w.jobId).catch(() => undefined);
    if (!job || job.status !== 'submitted') {
      await waits.drop(w.repo, w.jobId);
      return false;
    }
    const stop = await readStopRequest(backend.storage, w.repo, w.jobId);
    if (stop) {
      await endWaiting(job, stop.abort);
      return false;
    }
    if (waits.gaveUp(w)) {
      await waits.drop(w.repo, w.jobId);
      const hours = Math.round((Date.now() - w.since) / 360_000) / 10;
      await jobs.setStatus(w.repo, w.jobId, 'failed', { statusReason: `Launch failed: no capacity in ${hours} h of trying (${w.tries - 1} tries). Last refusal: ${w.reason}`, finishedAt: Date.now() });
      return false;
    }
    try {
      await inner.launch(job);
    } catch (err) {
      if (isCapacityShortage(err)) {
        await waits.refused(w, err);
        return false;
      }
      await waits.drop(w.repo, w.jobId);
      await jobs.setStatus(w.repo, w.jobId, 'failed', { statusReason: `Launch failed: ${toDstackError(err).message}`, finishedAt: Date.now() });
      return false;
    }
    await waits.drop(w.repo, w.jobId);
    await waits.annotate(w.repo, w.jobId, undefined);
    return true;
  };

  const waiting: WaitingBackend = {
    name: backend.name,
    storage: backend.storage,
    compute,
    logs: backend.logs,
    secrets: backend.secrets,
    close: () => backend.close(),
    async resubmitDue() {
      const launched: string[] = [];
      for (const w of await waits.claimDue()) if (await retryOne(w)) launched.push(w.jobId);
      return launched;
    },
  };
  return waiting;
}
