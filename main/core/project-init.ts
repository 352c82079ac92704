/**
 * `dstack init`, shared by the CLI and the app's "Create .dstack/workflows
 * here": both make the same folder a project, so a folder set up in one is
 * the same project in the other.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findProjectRoot } from './project';

/** Where `dstack init` in `folder` creates `.dstack/workflows`: the enclosing project or git root, else the folder itself. */
export async function initTarget(folder: string): Promise<string> {
  return findProjectRoot(folder).catch(() => resolve(folder));
}

/** Creates `.dstack/workflows` where {@link initTarget} says; returns the project root. Idempotent. */
export async function initProject(folder: string): Promise<string> {
  const root = await initTarget(folder);
  await mkdir(join(root, '.dstack', 'workflows'), { recursive: true });
  return root;
}

/** Whether `root` has a `.dstack/workflows` folder, i.e. is a project with somewhere to put workflows. */
export async function hasWorkflowsFolder(root: string): Promise<boolean> {
  return (await stat(join(root, '.dstack', 'workflows')).catch(() => undefined))?.isDirectory() ?? false;
}
