/**
 * S3-style listing over a folder tree. Keys come out in byte order, as in
 * ListObjectsV2, without reading the whole tree: the walk starts in the
 * folder the prefix points into, sorts one folder at a time, and skips whole
 * sub-folders that lie before the continuation point. With the `/`
 * delimiter a sub-folder becomes one common prefix and is not entered.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo } from '../../core/backend';
import { isTempName, splitPrefix } from './key-path';
import type { Child, FolderCache } from './folder-cache';
import { entries, firstWhere, isMissing } from './folder-cache';
import { compareKeys } from './compare-keys';

export { compareKeys };

/** One entry of a walk: an object, or a folder reported as a common prefix. */
export type WalkEntry = { kind: 'object'; key: string; dir: string; name: string } | { kind: 'prefix'; key: string };

export interface WalkOptions {
  /** Report folders as `dir/` prefixes instead of entering them (the `/` delimiter). */
  folders: boolean;
  /** Skip everything up to and including this key. */
  after?: string;
  /** Also skip every key that starts with `after` (it was a common prefix). */
  afterIsPrefix?: boolean;
  /** Where folder reads come from, and may be kept. */
  cache: FolderCache;
  /** The listing began then (ms since the epoch): a folder read made since may serve it. */
  since?: number;
}

/** True when a folder holds at least one object somewhere below it. */
async function holdsObjects(dir: string): Promise<boolean> {
  for (const e of await entries(dir)) {
    if (e.isFile() && !isTempName(e.name)) return true;
    if (e.isDirectory() && (await holdsObjects(join(dir, e.name)))) return true;
  }
  return false;
}

/** True when nothing at or below `key` (a folder when it ends in `/`) can come after the continuation point. */
function skippable(key: string, opts: WalkOptions): boolean {
  const { after } = opts;
  if (after === undefined) return false;
  if (opts.afterIsPrefix && key.startsWith(after)) return true;
  if (compareKeys(key, after) > 0) return false;
  // key <= after: a file is done; a folder may still hold keys beyond `after`.
  return !(key.endsWith('/') && after.startsWith(key));
}

async function* walkDir(dir: string, dirKey: string, namePrefix: string, opts: WalkOptions): AsyncGenerator<WalkEntry> {
  const children = await opts.cache.children(dir, namePrefix, opts.since);
  // Children are in byte order: start at the name prefix, or just before the continuation point (a folder there may hold later keys).
  let i = firstWhere(children, (c) => compareKeys(c.sortName, namePrefix) >= 0);
  // Children from `checked` on all lie past the continuation point: only those before it may need skipping.
  let checked = opts.after === undefined ? 0 : children.length;
  if (opts.after !== undefined && opts.after.startsWith(dirKey)) {
    const after = opts.after.slice(dirKey.length);
    // Past a common prefix, its keys (contiguous after it) are skipped by the same search.
    const past = opts.afterIsPrefix ? (c: Child) => compareKeys(c.sortName, after) > 0 && !c.sortName.startsWith(after) : (c: Child) => compareKeys(c.sortName, after) > 0;
    checked = firstWhere(children, past);
    i = Math.max(i, checked - 1);
  }
  for (; i < children.length; i++) {
    const c = children[i] as Child;
    if (!c.sortName.startsWith(namePrefix)) break;
    const sortKey = `${dirKey}${c.sortName}`;
    if (i < checked && skippable(sortKey, opts)) continue;
    // The file's path is joined only for the objects a page stats, not for every key walked.
    if (!c.folder) yield { kind: 'object', key: sortKey, dir, name: c.name };
    else if (!opts.folders) yield* walkDir(join(dir, c.name), sortKey, '', opts);
    else if (await holdsObjects(join(dir, c.name))) yield { kind: 'prefix', key: sortKey };
  }
}

/** Paths of temporary files under `dir` last written before `before` (ms since epoch): leftovers of crashed writes. */
export async function* staleTempFiles(dir: string, before: number): AsyncGenerator<string> {
  for (const e of await entries(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* staleTempFiles(path, before);
    else if (isTempName(e.name)) {
      const s = await stat(path).catch(() => undefined);
      if (s && s.mtimeMs < before) yield path;
    }
  }
}

/** Walks the keys under `prefix` in byte order, from the folder the prefix points into. */
export function walk(root: string, prefix: string, opts: WalkOptions): AsyncGenerator<WalkEntry> {
  const { dir, dirKey, namePrefix } = splitPrefix(root, prefix);
  return walkDir(dir, dirKey, namePrefix, opts);
}

/** Size, time and etag of a file. The etag is size plus nanosecond mtime; see {@link LocalStorage}. */
export async function objectInfo(key: string, path: string): Promise<ObjectInfo | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    if (!s.isFile()) return undefined;
    return { key, size: Number(s.size), etag: `${s.size.toString(16)}-${s.mtimeNs.toString(16)}`, modified: Number(s.mtimeMs) };
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}
