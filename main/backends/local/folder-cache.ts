/**
 * Sorted folder reads for local listings, kept while they stay true. A
 * listing of a large folder (a project's 10,000 runs are 30,000 files in
 * one folder) spends its time reading and sorting the folder; a paged
 * listing used to do that again for every page of 1,000 keys. Two reuses:
 *
 * - Within one listing: a continuation page may use a read made since the
 *   listing began (its token carries that time), as S3 pages may or may not
 *   show keys written while the listing runs.
 * - Across listings, in a long-lived process (the app, `dstack server`, a
 *   hub): a read stays good while the folder's inode and mtime are those it
 *   saw, and the read began well after that mtime. Every create, rename or
 *   delete in a folder moves its mtime; the margin covers a change stamped
 *   in the same coarse clock tick as the read (git's "racy" check). A read
 *   that raced a change is therefore never reused, so a reused read is also
 *   a consistent one.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { compareKeys } from './compare-keys';
import { isTempName } from './key-path';

/** One entry of a folder: `sortName` is the name, with `/` after a folder's, as S3 orders keys. */
export interface Child {
  name: string;
  sortName: string;
  folder: boolean;
}

interface Read {
  children: Child[];
  /** Date.now() just before the folder was read. */
  readAt: number;
  ino: bigint;
  mtimeNs: bigint;
  mtimeMs: number;
}

/** A change stamped this close to a read's start may not have moved the mtime the read saw. */
export const RACY_MS = 1000;
/** A continuation token older than this (a page fetched minutes later, through a hub) checks the folder again. */
const LISTING_MS = 60_000;
/** Smaller folders are read again each time: a stat saves nothing over a short readdir. */
const MIN_CACHED = 256;
/** Folders kept, least recently used dropped first. */
const MAX_FOLDERS = 16;

/** A folder (or a file) that is not there, or a path through a file: listed as empty, not an error. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A folder's entries; none for a folder that is not there. */
export async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

async function folderStat(dir: string): Promise<{ ino: bigint; mtimeNs: bigint; mtimeMs: number } | undefined> {
  try {
    const s = await stat(dir, { bigint: true });
    return { ino: s.ino, mtimeNs: s.mtimeNs, mtimeMs: Number(s.mtimeMs) };
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export class FolderCache {
  private readonly reads = new Map<string, Read>();

  /**
   * The folder's objects and sub-folders whose names start with
   * `namePrefix` (temporary files left out), in byte order; possibly others
   * too, before and after them. `since`: the listing this read serves began
   * then (ms), so a read made since may serve it unchecked.
   */
  async children(dir: string, namePrefix: string, since?: number): Promise<Child[]> {
    const kept = this.reads.get(dir);
    if (kept && since !== undefined && kept.readAt >= since && Date.now() - since < LISTING_MS) return this.touch(dir, kept);
    if (kept) {
      const now = await folderStat(dir);
      if (now && now.ino === kept.ino && now.mtimeNs === kept.mtimeNs && kept.readAt - RACY_MS > kept.mtimeMs) return this.touch(dir, kept);
      this.reads.delete(dir);
    }
    const readAt = Date.now();
    const all: Child[] = [];
    for (const e of await entries(dir)) {
      if (isTempName(e.name)) continue;
      if (e.isDirectory()) all.push({ name: e.name, sortName: `${e.name}/`, folder: true });
      else if (e.isFile()) all.push({ name: e.name, sortName: e.name, folder: false });
    }
    const wanted = namePrefix ? all.filter((c) => c.name.startsWith(namePrefix)) : all;
    // A few names of a large folder (one run's heads) are sorted alone; many are worth sorting all and keeping.
    const children = wanted.length >= MIN_CACHED ? all : wanted;
    // A folder sorts as "name/", so "a.b" (0x2e) comes before "a/x" (0x2f) as in S3.
    children.sort((a, b) => compareKeys(a.sortName, b.sortName));
    if (children.length >= MIN_CACHED) {
      // Stat after the read: a change during it is stamped at or after readAt, so the racy check refuses it.
      const s = await folderStat(dir);
      if (s) this.remember(dir, { children, readAt, ...s });
    }
    return children;
  }

  /**
   * A value that stays the same only while no file in the folder is
   * created, replaced or deleted: the kept read's inode and mtime, when
   * that read is still trusted (as above) and the folder holds no
   * sub-folders (whose changes its mtime would not show). Otherwise
   * undefined: the caller must list.
   */
  async version(dir: string): Promise<string | undefined> {
    const kept = this.reads.get(dir);
    if (!kept || kept.children.some((c) => c.folder)) return undefined;
    const now = await folderStat(dir);
    if (!now || now.ino !== kept.ino || now.mtimeNs !== kept.mtimeNs || kept.readAt - RACY_MS <= kept.mtimeMs) return undefined;
    return `${kept.ino}:${kept.mtimeNs}`;
  }

  private touch(dir: string, read: Read): Child[] {
    this.reads.delete(dir);
    this.reads.set(dir, read);
    return read.children;
  }

  private remember(dir: string, read: Read): void {
    this.reads.delete(dir);
    this.reads.set(dir, read);
    while (this.reads.size > MAX_FOLDERS) this.reads.delete(this.reads.keys().next().value as string);
  }
}

/** The index of the first of `sorted` for which `past` holds; `past` must be false, then true, along the array. */
export function firstWhere<T>(sorted: readonly T[], past: (x: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(sorted[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
