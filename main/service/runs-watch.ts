/**
 * Live runs lists without a polling storm: however many windows or tabs
 * watch a project, there is ONE poller per project. It lists the status
 * heads once a second (one cheap listing, see `core/keys.ts`) and only when
 * they changed reads the run records and pushes `runs.changed` to every
 * subscriber. A run that reaches a terminal status is reported once to
 * `onFinished`, which the Electron shell turns into a notification.
 */
import type { RunSummary } from '../common/job';
import { isTerminal } from '../common/status';
import type { RunService } from '../core/runs';
import type { EventHub } from './events';

export const POLL_MS = 1000;

interface Poller {
  repo: string;
  subs: Map<string, string | undefined>;
  timer?: NodeJS.Timeout;
  signature?: string;
  runs?: RunSummary[];
  stopped: boolean;
}

export class RunsWatcher {
  private readonly pollers = new Map<string, Poller>();

  constructor(
    private readonly hub: EventHub,
    private readonly runService: () => Promise<RunService>,
    private readonly onFinished: (run: RunSummary) => void = () => undefined,
  ) {}

  /** Subscribes to a project's runs; the first `runs.changed` comes as soon as they are read. */
  watch(projectId: string, repo: string, clientId?: string): string {
    let poller = this.pollers.get(projectId);
    if (!poller) {
      poller = { repo, subs: new Map(), stopped: false };
      this.pollers.set(projectId, poller);
      void this.tick(poller);
    }
    const p = poller;
    const subId = this.hub.addSubscription(() => this.drop(projectId, p, subId), clientId);
    p.subs.set(subId, clientId);
    if (p.runs) this.hub.emit('runs.changed', { subscriptionId: subId, runs: p.runs }, clientId);
    return subId;
  }

  /** Makes every poller look again now, e.g. right after a submit or stop from this app. */
  poke(): void {
    for (const p of this.pollers.values()) {
      // No timer means a tick is running right now; it will see the change itself.
      if (!p.timer) continue;
      clearTimeout(p.timer);
      void this.tick(p);
    }
  }

  /** The repos watched right now: the projects open in some window, which the reconciler covers first. */
  repos(): string[] {
    return [...this.pollers.values()].map((p) => p.repo);
  }

  /** Number of live pollers; the "one subscription per project" promise is checked against it. */
  get pollerCount(): number {
    return this.pollers.size;
  }

  private drop(projectId: string, p: Poller, subId: string): void {
    p.subs.delete(subId);
    if (p.subs.size) return;
    p.stopped = true;
    if (p.timer) clearTimeout(p.timer);
    this.pollers.delete(projectId);
  }

  private async tick(p: Poller): Promise<void> {
    p.timer = undefined;
    try {
      const svc = await this.runService();
      const heads = await svc.jobs.heads(p.repo);
      const signature = heads.map((h) => `${h.jobId};${h.status}`).join('|');
      if (signature !== p.signature && !p.stopped) {
        const runs = await svc.list(p.repo, { all: true });
        this.reportFinished(p.runs, runs);
        p.signature = signature;
        p.runs = runs;
        for (const [subscriptionId, clientId] of p.subs) this.hub.emit('runs.changed', { subscriptionId, runs }, clientId);
      }
    } catch {
      // Storage unreachable (offline, credentials expired): keep the last list and try again next second.
    }
    if (!p.stopped && !p.timer) {
      p.timer = setTimeout(() => void this.tick(p), POLL_MS);
      p.timer.unref();
    }
  }

  private reportFinished(before: RunSummary[] | undefined, after: RunSummary[]): void {
    if (!before) return;
    const was = new Map(before.map((r) => [r.jobId, r.status]));
    for (const r of after) {
      const prev = was.get(r.jobId);
      if (prev && !isTerminal(prev) && isTerminal(r.status)) this.onFinished(r);
    }
  }
}
