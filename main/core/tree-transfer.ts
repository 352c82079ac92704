/**
 * Whole folders between storage and disk, written once for every caller:
 * `dstack cp`, the app's downloads and drags, and the runner's deps, cache
 * and artifacts. Artifacts are often thousands of small files, where the
 * latency of each request, not bandwidth, is the limit, so many files move
 * at once. What is held in memory stays bounded: a backend may buffer a
 * small file whole, and a large one runs parallel parts, so every file
 * reserves a share of one byte budget while it moves. Downloads start with
 * the first page of the listing instead of waiting for all of it.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import type { Storage, TransferProgress } from './backend';
import { listAll } from './pages';
import { runPool } from './pool';

/** Files in flight at once: enough to hide S3's per-request latency. */
export const TREE_CONCURRENCY = 48;

const MiB = 1024 * 1024;
/** Bytes the files in flight may reserve together. */
const BYTE_BUDGET = 256 * MiB;
/** What a large file reserves: its parts in flight, not its size. */
const LARGE_FILE_SHARE = 64 * MiB;

export interface TreeOptions {
  signal?: AbortSignal;
  /** Bytes moved so far, against `total` or the total listed so far. */
  onProgress?: (p: TransferProgress) => void;
  /** The folder's size when the caller already knows it, so progress does not grow its total while listing. */
  total?: number;
  /** Files in flight at once; TREE_CONCURRENCY by default. */
  concurrency?: number;
}

/** The files an earlier copy into the same folder finished (core/folder-journal.ts). */
export interface KeptFiles {
  /** Whether the file at `path` is one an earlier copy finished, unchanged since. */
  isIntact(rel: string, path: string, size: number): Promise<boolean>;
  /** Records a file this copy finished. */
  finished(rel: string, path: string): Promise<void>;
  /** Writes what is recorded. */
  flush(): Promise<void>;
}

export interface TreeDownloadOptions extends TreeOptions {
  /**
   * Keep the files an earlier copy into this folder finished, when they are
   * still exactly as it left them, instead of fetching them again; and
   * record each file this copy finishes. Only for a folder the app fills
   * itself (into-place.ts): it makes a folder copy resume where it stopped.
   */
  keep?: KeptFiles;
}

export interface TreeResult {
  files: number;
  bytes: number;
}

/** A local file and the key it goes to. */
export interface UploadItem {
  path: string;
  key: string;
}

/**
 * Where the file at `rel` (a key's path below the folder being copied) lands
 * under `dir`. Keys are arbitrary strings in S3, so one holding `..`, `.`,
 * an empty segment or a backslash is refused rather than written outside `dir`.
 */
export function localPathUnder(dir: string, rel: string): string {
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw new InvalidArgumentError(`The artifact path "${rel}" does not map to a safe local path.`, 'Rename or delete that object in the storage.');
  }
  return join(dir, ...parts);
}

/**
 * Where a tree's files come from: a listing and a per-file download. A
 * backend's Storage is one; a hub client's presigned links are another
 * (cli/hub/link-source.ts), so both move through the same pool and budget.
 */
export type TreeSource = Pick<Storage, 'list' | 'downloadFile'>;

/** Downloads every object under `prefix` into `dir`, at the key's path below the prefix. */
export async function downloadTree(storage: TreeSource, prefix: string, dir: string, opts: TreeDownloadOptions = {}): Promise<TreeResult> {
  const made = new Set<string>();
  const keep = opts.keep;
  try {
    return await moveAll(listAll(storage, prefix), opts, (o) => o.size, async (o, onProgress, signal) => {
      const rel = o.key.slice(prefix.length);
      const dest = localPathUnder(dir, rel);
      if (await keep?.isIntact(rel, dest, o.size)) return;
      const parent = dirname(dest);
      if (!made.has(parent)) {
        await mkdir(parent, { recursive: true });
        made.add(parent);
      }
      await storage.downloadFile(o.key, dest, { signal, onProgress, listed: o });
      await keep?.finished(rel, dest);
    });
  } finally {
    await keep?.flush();
  }
}

/** Uploads each file to its key; `items` may be a walk that yields files as it finds them. */
export async function uploadTree(storage: Storage, items: Iterable<UploadItem> | AsyncIterable<UploadItem>, opts: TreeOptions = {}): Promise<TreeResult> {
  // Sized as the pool reaches them, so a million files are not a million stat calls at once.
  async function* sized(): AsyncGenerator<UploadItem & { size: number }> {
    for await (const it of items) yield { ...it, size: (await stat(it.path)).size };
  }
  return moveAll(sized(), opts, (it) => it.size, (it, onProgress, signal) => storage.uploadFile(it.path, it.key, { signal, onProgress }));
}

/** Runs `move` over the items through one pool and one byte budget, summing progress across files. */
async function moveAll<T>(
  items: Iterable<T> | AsyncIterable<T>,
  opts: TreeOptions,
  sizeOf: (it: T) => number,
  move: (it: T, onProgress: (p: TransferProgress) => void, signal: AbortSignal) => Promise<void>,
): Promise<TreeResult> {
  let files = 0;
  let listed = 0;
  let bytes = 0;
  const budget = new ByteBudget(BYTE_BUDGET);
  const report = () => opts.onProgress?.({ bytes, total: opts.total ?? listed });
  async function* counted(): AsyncGenerator<T> {
    for await (const it of items) {
      files++;
      listed += sizeOf(it);
      yield it;
    }
  }
  await runPool(
    counted(),
    opts.concurrency ?? TREE_CONCURRENCY,
    async (it, signal) => {
      const size = sizeOf(it);
      const share = Math.min(size, LARGE_FILE_SHARE);
      await budget.take(share, signal);
      let moved = 0;
      try {
        await move(it, (p) => {
          bytes += p.bytes - moved;
          moved = p.bytes;
          report();
        }, signal);
        // A file kept from an earlier copy, or a backend that reports no progress, still counts whole.
        bytes += size - moved;
        report();
      } finally {
        budget.give(share);
      }
    },
    opts.signal,
  );
  return { files, bytes: listed };
}

/** Bytes reserved by the files in flight; a file larger than the whole budget still goes, alone. */
class ByteBudget {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async take(n: number, signal: AbortSignal): Promise<void> {
    while (this.used > 0 && this.used + n > this.limit) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.used += n;
  }

  give(n: number): void {
    this.used -= n;
    for (const wake of this.waiting.splice(0)) wake();
  }
}
