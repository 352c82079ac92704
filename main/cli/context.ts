/**
 * What every command needs, built lazily: DSTACK_HOME, the config file, the
 * backend it names, a RunService on it, and the project of the current
 * folder. Commands that only print help never touch any of it, and the
 * modules behind it (the core, the backend) load on first use, so they cost
 * nothing to a command that never asks.
 */
import type { BackendName, RunSummary } from '../common/job';
import type { Project } from '../core/project';
import type { RunService } from '../core/runs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dstackHome } from '../node/home';
import type { HubClient } from './hub/client';
import { errorText } from './output';
import { HUB_CONNECTION_FILE } from './hub/leave';


/** How long a command waits for its reconcile pass; a slower one is left behind, and the next command tries again. */
export const RECONCILE_TIMEOUT_MS = 3000;

export class CliContext {
  readonly home = dstackHome();
  private services = new Map<string, Promise<RunService>>();
  private project: Promise<Project> | undefined;
  private reconciled: Promise<RunSummary[]> | undefined;
  private hubClient: Promise<HubClient | undefined> | undefined;

  /**
   * The team hub this machine is connected to, or undefined. The switch is
   * the connection file `dstack config hub` writes: while it exists, the
   * project commands go through the hub, and the hub client's modules load
   * only then, so a local command loads none of them.
   */
  hub(): Promise<HubClient | undefined> {
    this.hubClient ??= (async () => {
      // Any answer but "no such file" goes on to the reader, which names what is wrong with the file.
      const present = await stat(join(this.home, HUB_CONNECTION_FILE)).then(() => true, (err: NodeJS.ErrnoException) => err.code !== 'ENOENT');
      return present ? (await import('./hub/connection')).openHubClient(this.home) : undefined;
    })();
    return this.hubClient;
  }

  /** A RunService on the configured backend, or on `override` for this command. */
  service(override?: BackendName): Promise<RunService> {
    const key = override ?? '';
    let s = this.services.get(key);
    if (!s) {
      s = (async () => {
        const [{ backendConfigOf, readConfigFile }, { createBackend }, { RunService }] = await Promise.all([
          import('../core/config-file'),
          import('../backends/index'),
          import('../core/runs'),
        ]);
        const config = backendConfigOf(await readConfigFile(this.home), this.home, override);
        return new RunService(await createBackend(config));
      })();
      this.services.set(key, s);
    }
    return s;
  }

  /** The project that contains the current folder. */
  currentProject(): Promise<Project> {
    this.project ??= import('../core/project').then(({ openProject }) => openProject(process.cwd()));
    return this.project;
  }

  /** The service and repo id most commands start from. */
  async forProject(override?: BackendName): Promise<{ service: RunService; repo: string; project: Project }> {
    const [service, project] = await Promise.all([this.service(override), this.currentProject()]);
    return { service, repo: project.repo, project };
  }

  /**
   * This command's one reconcile pass over the current project and the
   * backend (see `core/reconciler.ts`), started on the first call and run
   * alongside the command's own work. Resolves with the runs it failed,
   * within RECONCILE_TIMEOUT_MS; a failure or a slow pass prints one line
   * on stderr and never fails the command. Outside a project it does
   * nothing: the command says why itself.
   */
  reconcile(override?: BackendName): Promise<RunSummary[]> {
    this.reconciled ??= (async () => {
      const project = await this.currentProject().catch(() => undefined);
      if (!project) return [];
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), RECONCILE_TIMEOUT_MS);
        timer.unref();
      });
      const pass = Promise.all([this.service(override), import('../core/reconciler')]).then(([service, { reconcileOnce }]) => reconcileOnce(service, [project.repo]));
      try {
        const result = await Promise.race([pass, late]);
        if (result === 'late') {
          process.stderr.write(`dstack: the check for crashed runs and leftover instances took over ${RECONCILE_TIMEOUT_MS / 1000} s; the next command tries again.\n`);
          return [];
        }
        if (result.errors.length) process.stderr.write(`dstack: could not check for crashed runs and leftover instances: ${result.errors.join('; ')}\n`);
        return result.failed;
      } catch (err) {
        process.stderr.write(`dstack: could not check for crashed runs and leftover instances: ${errorText(err)}\n`);
        return [];
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.reconciled;
  }

  async close(): Promise<void> {
    // A command that started a pass (`run -d`) lets it finish, within its time limit, before the backend closes.
    await this.reconciled;
    for (const s of this.services.values()) await (await s.catch(() => undefined))?.backend.close();
  }
}
