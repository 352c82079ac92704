/**
 * The hub's background work: every project, at start and on a timer,
 * including projects no client has touched since the hub started (the app's
 * own reconciler only sees folders it has open). Each pass reconciles, then
 * tries again the jobs waiting for capacity whose next try is due
 * (capacity-backend.ts). Passes never overlap and the timer never keeps the
 * process alive. A failure is logged once until it changes, not once a minute.
 */
import type { ReconcileResult } from '../../core/reconciler';
import type { ProjectServices } from './project-services';

/** A minute, as for the app and `dstack server`. */
export const HUB_RECONCILE_EVERY_MS = 60_000;

export class HubReconciler {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<Map<string, ReconcileResult>>;
  private lastErrors = '';

  constructor(
    private readonly services: ProjectServices,
    private readonly everyMs = HUB_RECONCILE_EVERY_MS,
  ) {}

  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  /** One pass over every project, or the pass already under way. */
  runOnce(): Promise<Map<string, ReconcileResult>> {
    if (!this.pass) {
      this.pass = this.services
        .reconcileAll()
        .then(async (results) => {
          for (const [project, r] of await this.services.resubmitAll()) {
            if (r.error) results.get(project)?.errors.push(`trying again the jobs waiting for capacity: ${r.error}`);
          }
          return results;
        })
        // The project list itself failed (the database is down): said like any other failure, next pass tries again.
        .catch((err: unknown) => new Map([['(all projects)', { failed: [], errors: [err instanceof Error ? err.message : String(err)] }]]))
        .then((results) => {
          this.report(results);
          return results;
        })
        .finally(() => (this.pass = undefined));
    }
    return this.pass;
  }

  private report(results: Map<string, ReconcileResult>): void {
    const text = [...results].flatMap(([project, r]) => r.errors.map((e) => `${project}: ${e}`)).join('; ');
    if (text && text !== this.lastErrors) console.warn(`dstack hub: cleaning up after crashed runs failed: ${text}`);
    this.lastErrors = text;
  }

  /** Ends the timer; resolves once a pass under way has ended, so the hub closes its store only after it. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }
}
