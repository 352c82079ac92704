/**
 * The projects the app knows, by id. The renderer gets an id and a display
 * path; every later call sends the id back and main resolves it here, so
 * the Electron transport never carries a path from the page to the core.
 * Opened projects are remembered (most recent first) in the app state, which
 * is also what makes an id valid across restarts.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { homedir } from 'node:os';
import { DstackError, InvalidArgumentError, NotFoundError } from '../common/errors';
import type { ProjectInfo } from '../common/api/operations';
import type { Project } from '../core/project';
import { findProjectRoot, repoIdOf } from '../core/project';
import { hasWorkflowsFolder, initProject, initTarget } from '../core/project-init';
import type { AppState, RecentProject } from './app-state';

const MAX_RECENT = 12;

/** `~/x` instead of `/home/me/x`: shorter, and the user's name stays off screenshots. */
function displayPath(root: string): string {
  const home = homedir();
  return root === home || root.startsWith(`${home}/`) ? `~${root.slice(home.length)}` : root;
}

/** `~` and `~/x` as a shell would expand them; people type paths that way in the browser's path field. */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
}

function infoOf(p: RecentProject): ProjectInfo {
  return { id: p.id, name: p.name, displayPath: displayPath(p.root) };
}

export class ProjectRegistry {
  private readonly repos = new Map<string, string>();

  constructor(private readonly state: AppState) {}

  /** Remembered projects whose folder still exists, most recent first. */
  async recent(): Promise<ProjectInfo[]> {
    const { projects } = await this.state.read();
    const alive = await Promise.all(projects.map(async (p) => ((await stat(p.root).catch(() => undefined))?.isDirectory() ? p : undefined)));
    return alive.filter((p): p is RecentProject => !!p).map(infoOf);
  }

  /**
   * The folder last refused for lacking `.dstack/workflows`, so the desktop
   * app can init it without the page ever sending a path.
   */
  private pendingInit: string | undefined;

  /**
   * Opens the project at or above `path` and puts it first in the recent
   * list. A folder with nowhere for workflows is refused with `canInit`, so
   * the UI offers `dstack init` instead of opening an empty project.
   */
  async open(path: string): Promise<ProjectInfo> {
    const abs = await this.folder(path);
    const root = await findProjectRoot(abs).catch(() => undefined);
    if (!root || !(await hasWorkflowsFolder(root))) {
      const target = await initTarget(abs);
      this.pendingInit = target;
      throw new DstackError('not_found', `${displayPath(target)} has no .dstack/workflows folder, so it is not a dstack project yet.`, {
        fix: 'Create .dstack/workflows here (what `dstack init` does), then add a workflow file to it.',
        details: { canInit: true, folder: displayPath(target) },
      });
    }
    return this.remember(root);
  }

  /**
   * `dstack init` for `path`, or, without one (the desktop app), for the
   * folder the last open refused; then opens it.
   */
  async init(path?: string): Promise<ProjectInfo> {
    const folder = path === undefined ? this.pendingInit : await this.folder(path);
    if (!folder) throw new InvalidArgumentError('No folder to set up.', 'Open a folder first.');
    const root = await initProject(folder);
    this.pendingInit = undefined;
    return this.remember(root);
  }

  private async folder(path: string): Promise<string> {
    const abs = resolve(expandHome(path.trim()));
    if (!(await stat(abs).catch(() => undefined))?.isDirectory()) {
      throw new NotFoundError(`No folder at ${displayPath(abs)}.`, 'Pick a project folder that holds .dstack/workflows.');
    }
    return abs;
  }

  private async remember(root: string): Promise<ProjectInfo> {
    const repo = await repoIdOf(root);
    const id = createHash('sha256').update(root).digest('base64url').slice(0, 16);
    this.repos.set(id, repo);
    const entry: RecentProject = { id, root, name: basename(root) || root, openedAt: Date.now() };
    await this.state.update((s) => ({ ...s, projects: [entry, ...s.projects.filter((p) => p.id !== id)].slice(0, MAX_RECENT) }));
    return infoOf(entry);
  }

  /** The project behind an id, with its repo id (computed once per session). */
  async resolve(id: string): Promise<Project> {
    const p = (await this.state.read()).projects.find((x) => x.id === id);
    if (!p) throw new NotFoundError('This project is not open.', 'Open its folder again.');
    let repo = this.repos.get(id);
    if (!repo) {
      repo = await repoIdOf(p.root);
      this.repos.set(id, repo);
    }
    return { root: p.root, repo };
  }
}
