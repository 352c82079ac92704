/**
 * The parts every operation shares, built once per app or server: state,
 * event hub, tasks, item ids, drag cache, folder totals, projects, the runs
 * watcher, and the backend picked from `config.yaml`. The backend is built
 * lazily and rebuilt when the wizard saves a new configuration.
 */
import { join } from 'node:path';
import type { Backend } from '../core/backend';
import { backendConfigOf, readConfigFile } from '../core/config-file';
import { RunService } from '../core/runs';
import { createBackend } from '../backends/index';
import { AppState } from './app-state';
import { DragCache } from './drag-cache';
import { EventHub } from './events';
import { FolderTotals } from './folder-totals';
import type { Host } from './host';
import { ItemRegistry } from './items';
import { ProjectRegistry } from './projects';
import { RunsWatcher } from './runs-watch';
import { TaskManager } from './tasks';

export interface ServiceOptions {
  /** DSTACK_HOME. */
  home: string;
  version: string;
  host: Host;
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
  private backend?: Promise<{ backend: Backend; runs: RunService }>;

  constructor(readonly opts: ServiceOptions) {
    this.state = new AppState(opts.home);
    this.cache = new DragCache(join(this.state.dir, 'drag-cache'));
    this.projects = new ProjectRegistry(this.state);
    this.tasks = new TaskManager(this.hub, opts.host.downloadUrl);
    this.watcher = new RunsWatcher(this.hub, () => this.runs(), (run) =>
      opts.host.notify?.(`Run ${run.runName} ${run.status}`, `${run.workflowName}${run.statusReason ? `: ${run.statusReason}` : ''}`),
    );
  }

  get host(): Host {
    return this.opts.host;
  }

  /** The RunService over the configured backend; a bad config is thrown to the caller, and tried again next call. */
  async runs(): Promise<RunService> {
    if (!this.backend) {
      this.backend = (async () => {
        const cfg = await readConfigFile(this.opts.home);
        const backend = await createBackend(backendConfigOf(cfg, this.opts.home));
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
    this.hub.disposeAll();
    this.tasks.cancelAll();
    await this.resetBackend();
  }
}
