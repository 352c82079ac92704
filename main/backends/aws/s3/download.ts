/**
 * Downloads one object. Large objects come down as parallel ranged GETs
 * written in place into `{dest}.part`; a part map beside it (partmap.ts)
 * lets a later call resume after a crash or cancel without refetching
 * finished parts. Every GET is pinned to the ETag seen by HEAD (If-Match,
 * and a check of the returned ETag for stand-ins that ignore If-Match), so a
 * concurrent overwrite restarts the download instead of mixing versions.
 * The result is verified (verify.ts), synced, and only then renamed over
 * `dest`, so `dest` is either absent, the old file, or the complete object.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { TransferOptions } from '../../../core/backend';
import { CancelledError, DstackError, NotFoundError } from '../../../common/errors';
import { isNotFound, isTransient, mapS3Error, retryTransient } from './errors';
import type { PartMap } from './partmap';
import { loadPartMap, PartMapFlusher, savePartMap } from './partmap';
import { runPool } from './pool';
import type { S3Target } from './target';
import { MiB } from './target';
import { PART_SIZE_METADATA } from './upload';
import type { Expectation } from './verify';
import { etagOf, expectationFor } from './verify';
import { FrontierHasher } from './hasher';

export interface DownloadOptions extends TransferOptions {
  /** Bytes per ranged GET; objects up to this size come in one GET. */
  partSize?: number;
  /** Ranged GETs in flight at once. */
  concurrency?: number;
}

export const DEFAULT_DOWNLOAD_PART_SIZE = 16 * MiB;
export const DEFAULT_DOWNLOAD_CONCURRENCY = 8;
const PART_ATTEMPTS = 3;
const WRITE_BATCH = MiB;

/** What HEAD (or a listing) says about the object. */
export interface RemoteObject {
  size: number;
  etag: string;
  uploadPartSize?: number;
}

/** Thrown when the object's ETag changes under a running download. */
class ObjectChangedError extends Error {}

/** Downloads `key` to `dest`, resuming from `{dest}.part` when one matches the object. */
export function downloadFile(t: S3Target, key: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  return downloadObject(t, key, dest, undefined, opts);
}

/**
 * As downloadFile, but trusting `known` (from a listing) for the first try,
 * which saves a HEAD per file in a tree. A stale listing costs one retry.
 */
export async function downloadObject(
  t: S3Target, key: string, dest: string, known: RemoteObject | undefined, opts: DownloadOptions = {},
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const remote = attempt === 0 && known ? known : await headObject(t, key, opts.signal);
      if (remote.size <= (opts.partSize ?? DEFAULT_DOWNLOAD_PART_SIZE)) return await downloadSmall(t, key, dest, remote, opts);
      return await downloadParts(t, key, dest, remote, opts);
    } catch (err) {
      if (!(err instanceof ObjectChangedError)) throw err;
      await rm(`${dest}.part`, { force: true });
      await rm(`${dest}.part.json`, { force: true });
      if (attempt > 0) {
        throw new DstackError('conflict', `s3://${t.bucket}/${key} kept changing while it was downloading.`, {
          fix: 'Download it again once whatever writes it has finished.',
        });
      }
    }
  }
}

async function headObject(t: S3Target, key: string, signal?: AbortSignal): Promise<RemoteObject> {
  try {
    const h = await t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key }), { abortSignal: signal });
    const recorded = Number(h.Metadata?.[PART_SIZE_METADATA]);
    return { size: h.ContentLength ?? 0, etag: unquote(h.ETag), uploadPartSize: recorded > 0 ? recorded : undefined };
  } catch (err) {
    if (isNotFound(err)) throw new NotFoundError(`No object at s3://${t.bucket}/${key}.`);
    throw mapS3Error(err, { action: 's3:GetObject', bucket: t.bucket, key });
  }
}

/** One GET, verified in memory, written beside `dest`, synced and renamed. */
async function downloadSmall(t: S3Target, key: string, dest: string, remote: RemoteObject, opts: TransferOptions = {}): Promise<void> {
  const exp = expectationFor(remote.etag, remote.uploadPartSize);
  const data = await getRange(t, key, remote.etag, undefined, opts.signal);
  const problem = checkContent(data.length, exp.kind === 'size' ? undefined : etagOf(data, exp), remote, exp);
  if (problem) throw corrupt(t, key, problem);
  const part = `${dest}.part`;
  const fh = await openForWrite(part);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(part, dest);
  opts.onProgress?.({ bytes: remote.size, total: remote.size });
}

async function downloadParts(t: S3Target, key: string, dest: string, remote: RemoteObject, opts: DownloadOptions): Promise<void> {
  const partSize = opts.partSize ?? DEFAULT_DOWNLOAD_PART_SIZE;
  const partPath = `${dest}.part`;
  const mapPath = `${dest}.part.json`;
  await mkdir(dirname(dest), { recursive: true });
  const map = await resumableMap(partPath, mapPath, key, remote, partSize);
  const count = Math.ceil(remote.size / partSize);
  const done = new Set(map.done.filter((i) => i >= 0 && i < count));
  const exp = expectationFor(remote.etag, remote.uploadPartSize);
  const fh = await open(partPath, 'r+');
  const hasher = exp.kind === 'size' ? undefined : new FrontierHasher(partPath, remote.size, partSize, exp);
  let problem: string | undefined;
  try {
    for (const i of done) hasher?.partDone(i);
    const partLen = (i: number) => Math.min(partSize, remote.size - i * partSize);
    let bytes = [...done].reduce((sum, i) => sum + partLen(i), 0);
    opts.onProgress?.({ bytes, total: remote.size });
    const flusher = new PartMapFlusher(fh, mapPath, map, done);
    const todo = Array.from({ length: count }, (_, i) => i).filter((i) => !done.has(i));
    try {
      await runPool(
        todo,
        opts.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY,
        async (i, signal) => {
          await fetchPart(t, key, remote.etag, fh, i * partSize, partLen(i), signal, (n) => {
            bytes += n;
            opts.onProgress?.({ bytes, total: remote.size });
          });
          done.add(i);
          flusher.schedule();
          hasher?.partDone(i);
        },
        opts.signal,
      );
    } finally {
      await flusher.flush();
    }
    const onDisk = (await fh.stat()).size;
    // A hasher that cannot read the file back counts as a checksum mismatch.
    const got = hasher ? await hasher.finish().catch(() => undefined) : undefined;
    await fh.sync();
    problem = checkContent(onDisk, got, remote, exp);
  } finally {
    await hasher?.close();
    await fh.close();
  }
  if (problem) {
    await rm(partPath, { force: true });
    await rm(mapPath, { force: true });
    throw corrupt(t, key, problem);
  }
  await rename(partPath, dest);
  await rm(mapPath, { force: true });
}

/** What is wrong with the downloaded bytes, if anything: `size` or `checksum`. */
function checkContent(size: number, got: string | undefined, remote: RemoteObject, exp: Expectation): string | undefined {
  if (size !== remote.size) return 'size';
  if (exp.kind !== 'size' && got !== (exp.kind === 'md5' ? exp.md5 : exp.etag)) return 'checksum';
  return undefined;
}

function corrupt(t: S3Target, key: string, what: string): DstackError {
  return new DstackError('verification', `The download of s3://${t.bucket}/${key} is corrupt: its ${what} does not match the object's.`, {
    fix: 'Download it again; the damaged copy was discarded.',
  });
}

/** The saved map when it matches this object and file layout; otherwise a fresh `.part` and map. */
async function resumableMap(partPath: string, mapPath: string, key: string, remote: RemoteObject, partSize: number): Promise<PartMap> {
  const saved = await loadPartMap(mapPath);
  const partBytes = await stat(partPath).then((s) => s.size, () => -1);
  if (saved && saved.key === key && saved.size === remote.size && saved.etag === remote.etag && saved.partSize === partSize && partBytes === remote.size) {
    return saved;
  }
  const fh = await open(partPath, 'w');
  try {
    await fh.truncate(remote.size);
  } finally {
    await fh.close();
  }
  const map: PartMap = { version: 1, key, size: remote.size, etag: remote.etag, partSize, done: [] };
  await savePartMap(mapPath, map);
  return map;
}

/** Fetches one range into the file, retrying a connection that drops mid-body. */
async function fetchPart(
  t: S3Target, key: string, etag: string, fh: FileHandle, pos: number, len: number, signal: AbortSignal, onBytes: (n: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let written = 0;
    try {
      const res = await sendGet(t, key, etag, `bytes=${pos}-${pos + len - 1}`, signal);
      // Socket reads arrive in ~64 KiB chunks; one writev per MiB keeps the
      // thread pool from becoming the bottleneck.
      let batch: Buffer[] = [];
      let batched = 0;
      const flush = async () => {
        await fh.writev(batch, pos + written);
        written += batched;
        onBytes(batched);
        batch = [];
        batched = 0;
      };
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (written + batched + chunk.length > len) throw Object.assign(new Error('S3 sent more bytes than the range asked for.'), { code: 'ECONNRESET' });
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH) await flush();
      }
      if (batched > 0) await flush();
      if (written !== len) throw Object.assign(new Error('The connection closed before the part was complete.'), { code: 'ECONNRESET' });
      return;
    } catch (err) {
      onBytes(-written);
      if (signal.aborted) throw new CancelledError();
      if (attempt >= PART_ATTEMPTS || !isTransient(err)) {
        throw err instanceof ObjectChangedError ? err : s3errorFor(t, key, err);
      }
    }
  }
}

/** GETs a range (or all) of the object into memory. */
async function getRange(t: S3Target, key: string, etag: string, range: string | undefined, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await retryTransient(async () => {
      const body = await sendGet(t, key, etag, range, signal);
      const chunks: Buffer[] = [];
      for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks);
    }, PART_ATTEMPTS, signal);
  } catch (err) {
    throw err instanceof ObjectChangedError ? err : s3errorFor(t, key, err);
  }
}

async function sendGet(t: S3Target, key: string, etag: string, range: string | undefined, signal?: AbortSignal): Promise<Readable> {
  let res;
  try {
    res = await t.client.send(new GetObjectCommand({ Bucket: t.bucket, Key: key, Range: range, IfMatch: `"${etag}"` }), { abortSignal: signal });
  } catch (err) {
    if ((err as { name?: string }).name === 'PreconditionFailed') throw new ObjectChangedError();
    throw err;
  }
  if (unquote(res.ETag) !== etag) {
    (res.Body as Readable | undefined)?.destroy();
    throw new ObjectChangedError();
  }
  return res.Body as Readable;
}

function s3errorFor(t: S3Target, key: string, err: unknown): Error {
  if (isNotFound(err)) return new NotFoundError(`s3://${t.bucket}/${key} was deleted while it was downloading.`);
  return mapS3Error(err, { action: 's3:GetObject', bucket: t.bucket, key });
}

/** Opens for writing, creating the folder only when missing: trees write thousands of files into few folders. */
async function openForWrite(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'w');
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}
