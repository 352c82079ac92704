/**
 * Whole folders: a job's artifacts are often thousands of small files, where
 * per-request latency, not bandwidth, is the limit. So small files move many
 * at once (one request each), while large files move a few at a time, each
 * with its own parallel parts, to keep memory bounded. Downloads start with
 * the first page of the listing instead of waiting for all of it.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { localPathUnder } from '../../../core/artifacts';
import type { DownloadOptions, RemoteObject } from './download';
import { DEFAULT_DOWNLOAD_PART_SIZE, downloadObject } from './download';
import { runPool } from './pool';
import type { S3Target } from './target';
import { s3call } from './target';
import type { UploadOptions } from './upload';
import { DEFAULT_UPLOAD_THRESHOLD, uploadFile } from './upload';

export interface TreeOptions extends Pick<UploadOptions, 'signal' | 'onProgress' | 'threshold' | 'partSize'> {
  /** Small files in flight at once. */
  concurrency?: number;
  /** Large files in flight at once (each also runs parallel parts). */
  largeConcurrency?: number;
}

export interface TreeResult {
  files: number;
  bytes: number;
}

export const DEFAULT_TREE_CONCURRENCY = 48;
const DEFAULT_LARGE_CONCURRENCY = 2;

interface Item {
  key: string;
  path: string;
  size: number;
  remote?: RemoteObject;
}

/** Uploads every file under `localDir` to `keyPrefix` + its relative path (with `/`). */
export async function uploadTree(t: S3Target, localDir: string, keyPrefix: string, opts: TreeOptions = {}): Promise<TreeResult> {
  const items: Item[] = [];
  for (const d of await readdir(localDir, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const path = join(d.parentPath, d.name);
    items.push({ path, key: keyPrefix + relative(localDir, path).split(sep).join('/'), size: (await stat(path)).size });
  }
  const isLarge = (it: Item) => it.size >= (opts.threshold ?? DEFAULT_UPLOAD_THRESHOLD);
  return transfer(items, isLarge, opts, (it, o) => uploadFile(t, it.path, it.key, { ...o, threshold: opts.threshold, partSize: opts.partSize }));
}

/** Downloads every object under `keyPrefix` into `localDir`, each verified and renamed into place. */
export async function downloadTree(t: S3Target, keyPrefix: string, localDir: string, opts: TreeOptions = {}): Promise<TreeResult> {
  const partSize = opts.partSize ?? DEFAULT_DOWNLOAD_PART_SIZE;
  const isLarge = (it: Item) => it.size > partSize;
  // Large objects get a HEAD first: it carries the part size needed to verify a multipart ETag.
  return transfer(listTree(t, keyPrefix, localDir, opts.signal), isLarge, opts, (it, o) =>
    downloadObject(t, it.key, it.path, isLarge(it) ? undefined : it.remote, { ...o, partSize }),
  );
}

/** The objects under `keyPrefix`, page by page, so downloads start with the first page. */
async function* listTree(t: S3Target, keyPrefix: string, localDir: string, signal?: AbortSignal): AsyncGenerator<Item> {
  let token: string | undefined;
  do {
    const page = await s3call(t, 's3:ListBucket', keyPrefix, () =>
      t.client.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: keyPrefix, ContinuationToken: token }), { abortSignal: signal }),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || o.Key.endsWith('/')) continue;
      const size = o.Size ?? 0;
      yield { key: o.Key, path: localPathUnder(localDir, o.Key.slice(keyPrefix.length).replace(/^\//, '')), size, remote: { size, etag: (o.ETag ?? '').replace(/"/g, '') } };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * Moves the items through one pool; large ones also take one of a few
 * "large" slots, since each already runs parallel parts. Progress counts
 * against the total known so far, which grows while a listing is read.
 */
async function transfer(
  items: Iterable<Item> | AsyncIterable<Item>,
  isLarge: (it: Item) => boolean,
  opts: TreeOptions,
  move: (it: Item, o: DownloadOptions) => Promise<void>,
): Promise<TreeResult> {
  let files = 0;
  let total = 0;
  let bytes = 0;
  let largeSlots = opts.largeConcurrency ?? DEFAULT_LARGE_CONCURRENCY;
  const waiting: (() => void)[] = [];
  async function* counted(): AsyncGenerator<Item> {
    for await (const it of items) {
      files++;
      total += it.size;
      yield it;
    }
  }
  await runPool(
    counted(),
    opts.concurrency ?? DEFAULT_TREE_CONCURRENCY,
    async (it, signal) => {
      const large = isLarge(it);
      if (large) {
        while (largeSlots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
        largeSlots--;
      }
      let moved = 0;
      try {
        await move(it, {
          signal,
          onProgress: (p) => {
            bytes += p.bytes - moved;
            moved = p.bytes;
            opts.onProgress?.({ bytes, total });
          },
        });
      } finally {
        if (large) {
          largeSlots++;
          waiting.shift()?.();
        }
      }
    },
    opts.signal,
  );
  return { files, bytes: total };
}
