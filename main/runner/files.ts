/**
 * The job's files as the runner moves them: paths from the workflow kept
 * inside the work dir, and the files under them, named as their keys will
 * be. The moving itself is the core's (core/tree-transfer.ts).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidArgumentError } from '../common/errors';

/** A path from a workflow, inside the work dir; `..` and absolute paths would write outside it. */
export function insideWorkdir(workdir: string, path: string): string {
  const abs = join(workdir, path);
  const rel = relative(workdir, abs);
  if (rel.startsWith('..') || rel.split(/[\\/]/).includes('..')) {
    throw new InvalidArgumentError(`Path ${path} points outside the job's folder.`);
  }
  return abs;
}

/** Every regular file at or under `abs`, as paths relative to `workdir`; empty when `abs` does not exist. */
export async function filesUnder(workdir: string, abs: string): Promise<string[]> {
  const st = await lstat(abs).catch(() => undefined);
  if (!st) return [];
  if (st.isFile()) return [relative(workdir, abs).split('\\').join('/')];
  if (!st.isDirectory()) return [];
  const out: string[] = [];
  for (const d of await readdir(abs)) out.push(...(await filesUnder(workdir, join(abs, d))));
  return out;
}
