/**
 * Where a download lands only when it is whole. A file needs nothing here
 * (the storage's downloadFile fills a `.part`, verifies it and renames it);
 * a folder is filled under `{target}.partial` and renamed into place once
 * every file in it is verified, so the final name never holds half a
 * folder, and a cancelled or crashed copy resumes from the `.partial`.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Runs `fill` on the path it should write, then moves a folder into place. */
export async function intoPlace<T>(target: string, isDir: boolean, fill: (dest: string) => Promise<T>): Promise<T> {
  if (!isDir) return fill(target);
  const partial = `${target}.partial`;
  const out = await fill(partial);
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  return out;
}

/**
 * `name` in `dir`, or `name (1)`, `name (2)`… when it is taken, as browsers
 * name downloads: a download never replaces what the user already has. An
 * unfinished download has no final name yet, so asking again resumes it.
 */
export async function freePath(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  for (let i = 0; ; i++) {
    const candidate = join(dir, i === 0 ? name : `${stem} (${i})${ext}`);
    if (!(await stat(candidate).catch(() => undefined))) return candidate;
  }
}
