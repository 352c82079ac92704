/**
 * What every command needs, built lazily: DSTACK_HOME, the config file, the
 * backend it names, a RunService on it, and the project of the current
 * folder. Commands that only print help never touch any of it.
 */
import type { BackendName } from '../common/job';
import { backendConfigOf, readConfigFile } from '../core/config-file';
import type { Project } from '../core/project';
import { openProject } from '../core/project';
import { RunService } from '../core/runs';
import { createBackend } from '../backends/index';
import { dstackHome } from '../node/home';

export class CliContext {
  readonly home = dstackHome();
  private services = new Map<string, Promise<RunService>>();
  private project: Promise<Project> | undefined;

  /** A RunService on the configured backend, or on `override` for this command. */
  service(override?: BackendName): Promise<RunService> {
    const key = override ?? '';
    let s = this.services.get(key);
    if (!s) {
      s = (async () => {
        const config = backendConfigOf(await readConfigFile(this.home), this.home, override);
        return new RunService(await createBackend(config));
      })();
      this.services.set(key, s);
    }
    return s;
  }

  /** The project that contains the current folder. */
  currentProject(): Promise<Project> {
    this.project ??= openProject(process.cwd());
    return this.project;
  }

  /** The service and repo id most commands start from. */
  async forProject(override?: BackendName): Promise<{ service: RunService; repo: string; project: Project }> {
    const [service, project] = await Promise.all([this.service(override), this.currentProject()]);
    return { service, repo: project.repo, project };
  }

  async close(): Promise<void> {
    for (const s of this.services.values()) await (await s.catch(() => undefined))?.backend.close();
  }
}
