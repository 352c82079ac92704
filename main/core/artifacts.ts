/**
 * Browsing and downloading a job's artifacts. Listing is lazy, one folder
 * level and one page at a time, because a run can hold millions of files;
 * copying goes through core/tree-transfer.ts.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../common/errors';
import type { Storage, TransferOptions } from './backend';
import { keys } from './keys';
import { listAll } from './pages';
import type { TreeResult } from './tree-transfer';
import { downloadTree } from './tree-transfer';

export interface ArtifactEntry {
  /** Path within the run's artifacts, `/`-separated; folders end with `/`. */
  path: string;
  name: string;
  isDir: boolean;
  size: number;
}

export interface ArtifactPage {
  entries: ArtifactEntry[];
  next?: string;
}

/** `./a//b/` → `a/b`; refuses `..` so a path never escapes the run's artifacts. */
export function normalizeArtifactPath(p: string): string {
  const parts = p.split(/[\\/]+/).filter((s) => s && s !== '.');
  if (parts.includes('..')) throw new InvalidArgumentError(`Artifact path ${p} may not contain "..".`);
  return parts.join('/');
}

/** One page of the entries directly inside `folder` ('' for the top). */
export async function listArtifacts(storage: Storage, repo: string, jobId: string, folder: string, token?: string): Promise<ArtifactPage> {
  const base = keys.artifactsPrefix(repo, jobId);
  const dir = normalizeArtifactPath(folder);
  const prefix = base + (dir ? `${dir}/` : '');
  const page = await storage.list(prefix, { delimiter: '/', token, limit: 1000 });
  const entries: ArtifactEntry[] = [
    ...page.prefixes.map((p) => ({ path: p.slice(base.length), name: basename(p.slice(0, -1)), isDir: true, size: 0 })),
    ...page.objects.map((o) => ({ path: o.key.slice(base.length), name: basename(o.key), isDir: false, size: o.size })),
  ];
  return page.next ? { entries, next: page.next } : { entries };
}

export interface FolderTotal {
  files: number;
  bytes: number;
}

/**
 * The number of files and bytes at or under `folder`. A recursive listing
 * summed page by page (1,000 keys each), so a folder of any size is counted
 * in full with constant memory; `signal` stops it between pages.
 */
export async function folderTotal(storage: Storage, repo: string, jobId: string, folder: string, signal?: AbortSignal): Promise<FolderTotal> {
  const dir = normalizeArtifactPath(folder);
  const total: FolderTotal = { files: 0, bytes: 0 };
  for await (const o of listAll(storage, keys.artifactsPrefix(repo, jobId) + (dir ? `${dir}/` : ''))) {
    signal?.throwIfAborted();
    total.files++;
    total.bytes += o.size;
  }
  return total;
}

/**
 * Every artifact file at or under `path` ('' for all), page by page: `path`
 * may name one file or a folder.
 */
export async function* walkArtifacts(storage: Storage, repo: string, jobId: string, path: string): AsyncGenerator<ArtifactEntry> {
  const base = keys.artifactsPrefix(repo, jobId);
  const rel = normalizeArtifactPath(path);
  const file = rel ? await storage.head(base + rel) : undefined;
  if (file) {
    yield { path: rel, name: basename(rel), isDir: false, size: file.size };
    return;
  }
  for await (const o of listAll(storage, base + (rel ? `${rel}/` : ''))) {
    const p = o.key.slice(base.length);
    yield { path: p, name: basename(p), isDir: false, size: o.size };
  }
}

/** Whether a job stored any artifact at all: one key is enough to know. */
export async function hasArtifacts(storage: Storage, repo: string, jobId: string): Promise<boolean> {
  const page = await storage.list(keys.artifactsPrefix(repo, jobId), { limit: 1 });
  return page.objects.length > 0;
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Downloads the artifact file or folder `src` to `dst`. A file lands at
 * `dst`, or inside it when `dst` is an existing folder; a folder's contents
 * land under `dst`.
 */
export async function copyArtifacts(
  storage: Storage,
  repo: string,
  jobId: string,
  src: string,
  dst: string,
  opts: TransferOptions = {},
): Promise<TreeResult> {
  const base = keys.artifactsPrefix(repo, jobId);
  const rel = normalizeArtifactPath(src);
  const file = rel ? await storage.head(base + rel) : undefined;
  if (file) {
    const target = (await isDir(dst)) || /[\\/]$/.test(dst) ? join(dst, basename(rel)) : dst;
    await mkdir(dirname(target), { recursive: true });
    await storage.downloadFile(file.key, target, opts);
    return { files: 1, bytes: file.size };
  }
  const prefix = base + (rel ? `${rel}/` : '');
  const copied = await downloadTree(storage, prefix, dst, opts);
  if (!copied.files) throw new NotFoundError(`No artifact ${rel || '(any)'} in this run.`, 'List them with `dstack ls`.');
  return copied;
}
