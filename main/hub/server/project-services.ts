/**
 * One service per hub project, made on first use: the same ApiService that
 * the app and `dstack server` run, with its home under the hub's folder and
 * its backend built from the project's settings in the store. Changing or
 * deleting a project drops its service, so the next call builds the backend
 * from the new settings. The hub reconciles every project on a timer here,
 * not only the ones a client has touched since the hub started.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage } from '../../core/backend';
import type { Host } from '../../service/host';
import { ApiService } from '../../service/api';
import { EventSockets } from '../../server/events-socket';
import { reconcileOnce } from '../../core/reconciler';
import type { ReconcileResult } from '../../core/reconciler';
import { NotFoundError } from '../../common/errors';
import type { HubStore } from '../store';
import { createBackend } from '../../backends/index';
import { backendSpecFor, projectHome } from './project-backend';
import type { CapacityRetryOptions } from './capacity-waits';
import { isWaitingBackend, withCapacityWaits } from './capacity-backend';

/**
 * Every repo with runs in a project's storage, from the job heads' keys
 * (`jobs/{repo}/l;…`; a repo id may hold slashes, so no delimiter listing).
 * A hub has no folders open to name them, unlike the app.
 */
export async function reposIn(storage: Storage): Promise<string[]> {
  const repos = new Set<string>();
  let token: string | undefined;
  do {
    const page = await storage.list('jobs/', { ...(token ? { token } : {}) });
    for (const o of page.objects) {
      const i = o.key.lastIndexOf('/l;');
      if (i > 5) repos.add(o.key.slice(5, i));
    }
    token = page.next;
  } while (token);
  return [...repos];
}

export interface ProjectServicesOptions {
  store: HubStore;
  /** `DSTACK_HOME/hub`. */
  hubDir: string;
  version: string;
  /** How jobs refused for lack of capacity are tried again; default CAPACITY_RETRY. */
  capacityRetry?: CapacityRetryOptions;
}

export class ProjectServices {
  private readonly services = new Map<string, ApiService>();
  private readonly sockets = new Map<string, EventSockets>();
  private readonly ids = new Map<string, Promise<string>>();

  constructor(private readonly opts: ProjectServicesOptions) {}

  /** The project's service; the caller has already checked the project exists and may be seen. */
  get(project: string): ApiService {
    let service = this.services.get(project);
    if (!service) {
      const host: Host = { transport: 'http', downloadUrl: (taskId) => `/api/v1/projects/${encodeURIComponent(project)}/download/${taskId}` };
      service = new ApiService({
        home: projectHome(this.opts.hubDir, project),
        version: this.opts.version,
        host,
        // The hub reconciles every project itself (reconcileAll); a per-service timer would only see repos opened in it.
        reconcile: false,
        makeBackend: async () => {
          const p = await this.opts.store.getProject(project);
          if (!p) throw new NotFoundError(`Project "${project}" not found.`);
          const credentials = p.hasCredentials ? await this.opts.store.projectCredentials(project) : undefined;
          const { config, secrets } = backendSpecFor(this.opts.hubDir, p, credentials);
          return withCapacityWaits(await createBackend(config, secrets), this.opts.capacityRetry);
        },
      });
      this.services.set(project, service);
    }
    return service;
  }

  /** The project's event sockets (`/api/v1/projects/{name}/events`), made with its service's first socket. */
  eventSockets(project: string): EventSockets {
    let sockets = this.sockets.get(project);
    if (!sockets) {
      sockets = new EventSockets(this.get(project));
      this.sockets.set(project, sockets);
    }
    return sockets;
  }

  /**
   * The id the project's service knows its workspace by. A hub client names
   * the project in the URL, not by a folder of its own, so the hub puts this
   * id in every call's `projectId`: a folder under the project's home that
   * holds `.dstack/workflows`, made once.
   */
  projectId(project: string): Promise<string> {
    let id = this.ids.get(project);
    if (!id) {
      const workspace = join(projectHome(this.opts.hubDir, project), 'workspace');
      id = mkdir(join(workspace, '.dstack', 'workflows'), { recursive: true, mode: 0o700 }).then(async () => (await this.get(project).ctx.projects.open(workspace)).id);
      id.catch(() => this.ids.delete(project));
      this.ids.set(project, id);
    }
    return id;
  }

  /** Drops a project's service (after its settings changed or it was deleted); the next call builds a fresh one. */
  async drop(project: string): Promise<void> {
    const service = this.services.get(project);
    this.services.delete(project);
    this.ids.delete(project);
    this.sockets.get(project)?.close();
    this.sockets.delete(project);
    await service?.dispose();
  }

  /**
   * One reconcile pass over every project in the store: runs whose runner is
   * gone are failed, and each backend ends its leftovers. A project whose
   * backend cannot be built is reported and the others still run.
   */
  async reconcileAll(): Promise<Map<string, ReconcileResult>> {
    const results = new Map<string, ReconcileResult>();
    const projects = await this.opts.store.listProjects();
    await Promise.all(
      projects.map(async (p) => {
        try {
          const runs = await this.get(p.name).ctx.runs();
          results.set(p.name, await reconcileOnce(runs, await reposIn(runs.backend.storage)));
        } catch (err) {
          results.set(p.name, { failed: [], errors: [err instanceof Error ? err.message : String(err)] });
        }
      }),
    );
    return results;
  }

  /**
   * Tries again, in every project, the jobs left waiting for capacity whose
   * next try is due; returns, by project, the job ids launched or why the
   * project could not be tried (the others still are; the next pass tries again).
   */
  async resubmitAll(): Promise<Map<string, { launched: string[]; error?: string }>> {
    const results = new Map<string, { launched: string[]; error?: string }>();
    const projects = await this.opts.store.listProjects();
    await Promise.all(
      projects.map(async (p) => {
        try {
          const { backend } = await this.get(p.name).ctx.runs();
          results.set(p.name, { launched: isWaitingBackend(backend) ? await backend.resubmitDue() : [] });
        } catch (err) {
          results.set(p.name, { launched: [], error: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
    return results;
  }

  async dispose(): Promise<void> {
    for (const sockets of this.sockets.values()) sockets.close();
    this.sockets.clear();
    const all = [...this.services.values()];
    this.services.clear();
    await Promise.all(all.map((s) => s.dispose()));
  }
}
