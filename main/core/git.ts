/**
 * The few git facts the core needs, read with the `git` program so that we
 * honour exactly what the user's git honours (.gitignore, global excludes).
 * Every function returns undefined outside a work tree or without git.
 */
import { execFile } from 'node:child_process';

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout) => {
      resolve(err ? undefined : stdout);
    });
  });
}

/** The top of the work tree that contains `dir`. */
export async function gitRoot(dir: string): Promise<string | undefined> {
  return (await git(dir, ['rev-parse', '--show-toplevel']))?.trim() || undefined;
}

export async function gitRemoteUrl(dir: string): Promise<string | undefined> {
  return (await git(dir, ['config', '--get', 'remote.origin.url']))?.trim() || undefined;
}

export interface GitState {
  commit: string;
  branch?: string;
  dirty: boolean;
}

/** Commit, branch and whether the tree differs from it; undefined before the first commit. */
export async function gitState(dir: string): Promise<GitState | undefined> {
  const commit = (await git(dir, ['rev-parse', 'HEAD']))?.trim();
  if (!commit) return undefined;
  const branch = (await git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']))?.trim();
  const status = await git(dir, ['status', '--porcelain', '--', '.']);
  return { commit, branch: branch && branch !== 'HEAD' ? branch : undefined, dirty: !!status?.trim() };
}

/** Tracked plus untracked-but-not-ignored files under `dir`, relative to it. */
export async function gitFiles(dir: string): Promise<string[] | undefined> {
  const out = await git(dir, ['ls-files', '-z', '-co', '--exclude-standard']);
  if (out === undefined) return undefined;
  return [...new Set(out.split('\0').filter(Boolean))];
}
