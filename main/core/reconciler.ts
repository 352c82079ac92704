/**
 * Reconciling: finding what a crash, a kill or a lost machine left behind
 * and ending it. Two halves, always together: the runs whose runner is gone
 * are failed with the reason (RunService.reconcile, per repo), and the
 * backend ends its leftovers (Compute.reconcile: instances and spot
 * requests of finished or unknown jobs, dead local runners). Nothing else
 * would: an instance whose app died after RunInstances bills until someone
 * terminates it. Every composition root uses this one module: the app's and
 * the server's service on a timer, the CLI once per command, a hub later.
 */
import { toDstackError } from '../common/errors';
import type { RunSummary } from '../common/job';
import type { RunService } from './runs';

export interface ReconcileResult {
  /** Runs failed in this pass because their runner was gone. */
  failed: RunSummary[];
  /** One line per part that failed (a repo, or the backend's cleanup); the other parts still ran. */
  errors: string[];
}

export interface ReconcileOptions {
  /** How long a `submitted` job's runner may take to appear (RunService.reconcile's default when absent). */
  graceMs?: number;
}

/** The error and its fix on one line: it is printed or logged, never thrown. */
function messageOf(err: unknown): string {
  return toDstackError(err).toLine().replace(/\s*\n\s*/g, ' ');
}

/**
 * One pass over `repos` and the backend. Runs first (the repos at once),
 * then the backend's cleanup, so the machine of a run failed in this pass
 * is ended in this pass too. Never throws: a part that fails is reported in
 * `errors`, so an offline bucket or a missing permission never stops the
 * others.
 */
export async function reconcileOnce(runs: RunService, repos: readonly string[], opts: ReconcileOptions = {}): Promise<ReconcileResult> {
  const result: ReconcileResult = { failed: [], errors: [] };
  await Promise.all(
    [...new Set(repos)].map(async (repo) => {
      try {
        result.failed.push(...(await runs.reconcile(repo, opts.graceMs)));
      } catch (err) {
        result.errors.push(`runs of ${repo}: ${messageOf(err)}`);
      }
    }),
  );
  try {
    await runs.backend.compute.reconcile();
  } catch (err) {
    result.errors.push(`${runs.backend.name} leftovers: ${messageOf(err)}`);
  }
  return result;
}

export interface ReconcilerOptions extends ReconcileOptions {
  /** Time between passes. */
  everyMs: number;
  /** Called after a pass that failed runs, e.g. to refresh a runs list at once. */
  onFixed?: (failed: RunSummary[]) => void;
  /** Called with a pass's errors; a long-lived caller logs them. */
  onError?: (errors: string[]) => void;
}

/**
 * Reconciles at start and every `everyMs` for a long-lived process (the
 * app, `dstack server`). The service and the repos are asked for on each
 * pass, so a backend rebuilt from a new config, or a project opened since,
 * is covered. Passes never overlap, and the timer never keeps the process
 * alive.
 */
export class Reconciler {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<ReconcileResult>;
  private stopped = false;

  constructor(
    private readonly runs: () => Promise<RunService>,
    private readonly repos: () => Promise<string[]>,
    private readonly opts: ReconcilerOptions,
  ) {}

  /** Starts the first pass on the next turn of the event loop, then one every `everyMs`. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), 0);
    this.timer.unref();
  }

  /** A pass now, or the one already running. */
  runNow(): Promise<ReconcileResult> {
    this.pass ??= this.once().finally(() => (this.pass = undefined));
    return this.pass;
  }

  /** No pass starts after this; one already running finishes on its own, and its errors are not reported. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    await this.runNow();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.opts.everyMs);
    this.timer.unref();
  }

  private async once(): Promise<ReconcileResult> {
    let result: ReconcileResult;
    try {
      const [runs, repos] = await Promise.all([this.runs(), this.repos()]);
      result = await reconcileOnce(runs, repos, this.opts);
    } catch (err) {
      // No backend (a bad config.yaml): said once per pass, and tried again on the next.
      result = { failed: [], errors: [messageOf(err)] };
    }
    if (this.stopped) return result;
    if (result.failed.length) this.opts.onFixed?.(result.failed);
    if (result.errors.length) this.opts.onError?.(result.errors);
    return result;
  }
}
