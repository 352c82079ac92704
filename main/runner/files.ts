/**
 * The job's files as the runner moves them: paths from the workflow kept
 * inside the work dir, and the files under them, named as their keys will
 * be. The moving itself is the core's (core/tree-transfer.ts).
 *
 * An artifact folder may hold millions of files, so the walk yields entries
 * as it reads them instead of building a list: the upload starts with the
 * first file and memory stays bounded by the number of folders, not files.
 */
import type { Dirent } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import { printable } from '../common/printable';

/** A path from a workflow, inside the work dir; `..` and absolute paths would write outside it. */
export function insideWorkdir(workdir: string, path: string): string {
  const abs = join(workdir, path);
  const rel = relative(workdir, abs);
  if (rel.startsWith('..') || rel.split(/[\\/]/).includes('..')) {
    throw new InvalidArgumentError(`Path ${path} points outside the job's folder.`);
  }
  return abs;
}

/** What the walk found: a regular file (stored), a symbolic link or another special file (not stored). */
export interface WalkEntry {
  /** Relative to the work dir, with `/` separators: the key's tail. */
  rel: string;
  kind: 'file' | 'symlink' | 'special';
}

type Kind = WalkEntry['kind'] | 'dir';

function kindOfStats(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): Kind {
  return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'special';
}

/** A directory entry's kind; a file system that does not report types (DT_UNKNOWN) is asked with lstat. */
async function kindOf(d: Dirent, abs: string): Promise<Kind> {
  if (d.isFile() || d.isDirectory() || d.isSymbolicLink() || d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice()) return kindOfStats(d);
  return kindOfStats(await lstat(abs));
}

/**
 * Every entry at or under `abs` but folders, relative to `workdir`, as the
 * walk reaches it; nothing when `abs` does not exist. Links are reported,
 * never followed. Folders wait on an explicit stack, so neither a folder of
 * a million files nor a deep tree grows the call stack.
 */
export async function* walkUnder(workdir: string, abs: string): AsyncGenerator<WalkEntry> {
  const toRel = (p: string) => relative(workdir, p).split('\\').join('/');
  const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (!st) return;
  const top = kindOfStats(st);
  if (top !== 'dir') {
    yield { rel: toRel(abs), kind: top };
    return;
  }
  const folders = [abs];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    for await (const d of await opendir(folder, { bufferSize: 256 })) {
      const path = join(folder, d.name);
      const kind = await kindOf(d, path);
      if (kind === 'dir') folders.push(path);
      else yield { rel: toRel(path), kind };
    }
  }
}

/** How many entries a walk left out, with the first few names, for one line in the run log. */
export class SkippedEntries {
  private static readonly NAMES_SHOWN = 5;
  private readonly counts = { symlink: 0, special: 0 };
  private readonly names: Record<'symlink' | 'special', string[]> = { symlink: [], special: [] };

  add(e: WalkEntry): void {
    if (e.kind === 'file') return;
    this.counts[e.kind]++;
    if (this.names[e.kind].length < SkippedEntries.NAMES_SHOWN) this.names[e.kind].push(e.rel);
  }

  /** One line per kind that was skipped, naming the first few; `where` is e.g. "the artifacts". */
  lines(where: string): string[] {
    const out: string[] = [];
    const describe = (kind: 'symlink' | 'special', what: string, why: string) => {
      const n = this.counts[kind];
      if (!n) return;
      const shown = this.names[kind].map(printable).join(', ');
      const more = n > this.names[kind].length ? `, and ${n - this.names[kind].length} more` : '';
      out.push(`Skipped ${n} ${what} in ${where} (${why}): ${shown}${more}.`);
    };
    describe('symlink', 'symbolic link(s)', 'links are not stored; copy the file instead of linking it');
    describe('special', 'special file(s)', 'only regular files are stored');
    return out;
  }
}
