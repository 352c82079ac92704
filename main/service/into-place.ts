/**
 * Where a download lands only when it is whole. A file needs nothing here
 * (the storage's downloadFile stages it privately, verifies it and renames
 * it); a folder is filled under `{target}.partial` and renamed into place
 * once every file in it is verified, so the final name never holds half a
 * folder, and a cancelled or crashed copy resumes from the `.partial`.
 * Only from a `.partial` this code made, and only with the files it
 * finished there, unchanged (core/folder-journal.ts): a `.partial` that
 * someone else made is never filled, kept or renamed.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { DstackError } from '../common/errors';
import { FolderJournal } from '../core/folder-journal';
import type { KeptFiles } from '../core/tree-transfer';

/**
 * Runs `fill` on the path it should write, then moves a folder into place.
 * A folder's `fill` gets the files an earlier fill finished (to keep) and
 * records its own there; `home` (DSTACK_HOME) holds that record.
 */
export async function intoPlace<T>(home: string, target: string, isDir: boolean, fill: (dest: string, keep?: KeptFiles) => Promise<T>): Promise<T> {
  if (!isDir) return fill(target);
  const partial = `${target}.partial`;
  await mkdir(dirname(partial), { recursive: true });
  const made = await mkdir(partial).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      return false;
    },
  );
  const journal = await FolderJournal.open(home, partial, made);
  if (!journal) {
    throw new DstackError('conflict', `${partial} already exists, and this download did not make it.`, {
      fix: `Move or delete ${partial}, then download again.`,
    });
  }
  const out = await fill(partial, journal);
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  await journal.remove();
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
