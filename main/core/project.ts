/**
 * Which project a command is about, and its repo id. The repo id keys every
 * run, artifact and secret in storage, so it must be the same on every
 * machine that opens the same project: it hashes the git remote when there
 * is one, and the absolute path otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { NotFoundError } from '../common/errors';
import { gitRemoteUrl, gitRoot } from './git';

export interface Project {
  /** The folder that holds `.dstack/`. */
  root: string;
  /** `{basename}-{8 hex}`: stable per remote (or path), readable in storage keys. */
  repo: string;
}

function hasDstackDir(dir: string): boolean {
  const d = join(dir, '.dstack');
  return existsSync(d) && statSync(d).isDirectory();
}

/**
 * The nearest folder at or above `cwd` with a `.dstack/` folder, else the git
 * root. Throws when neither exists, with the fix.
 */
export async function findProjectRoot(cwd: string): Promise<string> {
  let dir = resolve(cwd);
  for (;;) {
    if (hasDstackDir(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const top = await gitRoot(cwd);
  if (top) return top;
  throw new NotFoundError(`No dstack project at ${resolve(cwd)}: no .dstack folder here or above.`, 'Run `dstack init` in the project folder.');
}

/**
 * The repo id of a project root. Within one git remote, projects in
 * different subfolders get different ids, so the subfolder joins the hash.
 */
export async function repoIdOf(root: string): Promise<string> {
  const abs = resolve(root);
  const url = await gitRemoteUrl(abs);
  let source = abs;
  if (url) {
    const top = await gitRoot(abs);
    const sub = top ? relative(top, abs).split('\\').join('/') : '';
    source = sub ? `${url}#${sub}` : url;
  }
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 8);
  const name = basename(abs).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return `${name}-${hash}`;
}

/** The project that contains `cwd`. */
export async function openProject(cwd: string): Promise<Project> {
  const root = await findProjectRoot(cwd);
  return { root, repo: await repoIdOf(root) };
}
