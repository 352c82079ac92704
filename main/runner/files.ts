/**
 * Moving file trees between a job's work dir and storage: the code tarball,
 * deps' artifacts, the cache, and the job's own artifacts. Everything lists
 * page by page and transfers a few files at a time.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InvalidArgumentError } from '../common/errors';
import type { Storage } from '../core/backend';
import { listAll } from '../core/pages';

const CONCURRENCY = 4;

/** Runs `fn` over `items` with at most CONCURRENCY at once; the first failure wins. */
export async function eachLimited<T>(items: AsyncIterable<T> | Iterable<T>, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const item of items) {
    if (failure) break;
    const p: Promise<void> = fn(item)
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= CONCURRENCY) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure;
}

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

/** Downloads every object under `prefix` into `dir`, keeping the key's path after the prefix. */
export async function downloadPrefix(storage: Storage, prefix: string, dir: string, signal?: AbortSignal): Promise<number> {
  let n = 0;
  await eachLimited(listAll(storage, prefix), async (o) => {
    const target = insideWorkdir(dir, o.key.slice(prefix.length));
    await mkdir(dirname(target), { recursive: true });
    await storage.downloadFile(o.key, target, { signal });
    n++;
  });
  return n;
}

/** Uploads files (relative to `workdir`) to `prefix` + path. */
export async function uploadFiles(storage: Storage, workdir: string, files: string[], prefix: string, signal?: AbortSignal): Promise<void> {
  await eachLimited(files, (f) => storage.uploadFile(join(workdir, f), prefix + f, { signal }));
}
