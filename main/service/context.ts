/**
 * The parts every operation shares, built once per app or server: state,
 * event hub, tasks, item ids, drag cache, folder totals, projects, the runs
 * watcher, the reconciler, and the backend picked from `config.yaml`. The
 * backend is built lazily and rebuilt when the wizard saves a new
 * configuration. The reconciler starts with the context, so an app or
 * server that is up ends leftovers (runs whose runner died, instances
 * nobody owns) on its own, with no CLI call.
 */
import { join } from 'node:path';
import type { Backend } from '../core/backend';
import { backendConfigOf, readConfigFile } from '../core/config-file';
import { Reconciler } from '../core/reconciler';
import { RunService } from '../core/runs';
import { createBackend } from '../backends/index';
import { AppState } from './app-state';
import { DragCache, sweepLimitsFrom } from './drag-cache';
import { EventHub } from './events';
import { FolderTotals } from './folder-totals';
import type { Host } from './host';
import type { HubLink } from './hub-link';
import { ItemRegistry } from './items';
import { ProjectRegistry } from './projects';
import { RunsWatcher } from './runs-watch';
import { TaskManager } from './tasks';

export interface ServiceOptions {
  /** DSTACK_HOME. */
  home: string;
  version: string;
  host: Host;
  /** Time between reconcile passes; default DSTACK_RECONCILE_MS, else a minute. */
  reconcileEveryMs?: number;
  /** False when the caller reconciles instead: a hub passes over every project on its own timer. */
  reconcile?: boolean;
  /** A team hub's project: its backend comes from the hub's store (settings and keys), not from `config.yaml` under `home`. */
  makeBackend?: () => Promise<Backend>;
  /** How to reach a team hub (the CLI's client); without it the wizard's hub step says this build cannot. */
  hubLink?: HubLink;
}

/** A minute: a dead runner's run is failed, and an orphan instance ended, within about that long. */
export const RECONCILE_EVERY_MS = 60_000;

function reconcileEveryMs(opts: ServiceOptions): number {
  const fromEnv = Number(process.env.DSTACK_RECONCILE_MS);
  return opts.reconcileEveryMs ?? (fromEnv > 0 ? fromEnv : RECONCILE_EVERY_MS);
}

export class ServiceContext {
  readonly state: AppState;
  readonly hub = new EventHub();
  readonly tasks: TaskManager;
  readonly items = new ItemRegistry();
  readonly cache: DragCache;
  readonly totals = new FolderTotals();
  readonly projects: ProjectRegistry;
  readonly watcher: RunsWatcher;
  readonly reconciler: Reconciler;
  private backend?: Promise<{ backend: Backend; runs: RunService }>;
  private lastReconcileError = '';

  constructor(readonly opts: ServiceOptions) {
    this.state = new AppState(opts.home);
    this.cache = new DragCache(join(this.state.dir, 'drag-cache'), opts.home, sweepLimitsFrom());
    this.projects = new ProjectRegistry(this.state);
    this.tasks = new TaskManager(this.hub, opts.host.downloadUrl);
    this.watcher = new RunsWatcher(this.hub, () => this.runs(), (run) =>
      opts.host.notify?.(`Run ${run.runName} ${run.status}`, `${run.workflowName}${run.statusReason ? `: ${run.statusReason}` : ''}`),
    );
    this.reconciler = new Reconciler(() => this.runs(), () => this.knownRepos(), {
      everyMs: reconcileEveryMs(opts),
      onFixed: () => this.watcher.poke(),
      onError: (errors) => this.reportReconcileErrors(errors),
    });
    if (opts.reconcile !== false) this.reconciler.start();
  }

  /** The repos this app or server knows: the projects open in a window, and the recent ones. */
  private async knownRepos(): Promise<string[]> {
    const recent = await this.projects.recent().catch(() => []);
    const repos = await Promise.all(recent.map((p) => this.projects.resolve(p.id).then((r) => r.repo, () => undefined)));
    return [...new Set([...this.watcher.repos(), ...repos.filter((r): r is string => !!r)])];
  }

  /** One line per new failure, not one a minute: a bucket that stays unreachable is said once. */
  private reportReconcileErrors(errors: string[]): void {
    const text = errors.join('; ');
    if (text === this.lastReconcileError) return;
    this.lastReconcileError = text;
    console.warn(`dstack: cleaning up after crashed runs failed: ${text}`);
  }

  get host(): Host {
    return this.opts.host;
  }

  /** The RunService over the configured backend; a bad config is thrown to the caller, and tried again next call. */
  async runs(): Promise<RunService> {
    if (!this.backend) {
      this.backend = (async () => {
        const backend = this.opts.makeBackend
          ? await this.opts.makeBackend()
          : await createBackend(backendConfigOf(await readConfigFile(this.opts.home), this.opts.home));
        return { backend, runs: new RunService(backend) };
      })();
      this.backend.catch(() => (this.backend = undefined));
    }
    return (await this.backend).runs;
  }

  /** Drops the backend so the next call builds it from the config just saved. */
  async resetBackend(): Promise<void> {
    const old = this.backend;
    this.backend = undefined;
    await old?.then((b) => b.backend.close()).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    this.reconciler.stop();
    this.hub.disposeAll();
    this.tasks.cancelAll();
    await this.resetBackend();
  }
}
