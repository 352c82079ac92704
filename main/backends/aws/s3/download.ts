/**
 * Downloads one object. Large objects come down as parallel ranged GETs
 * written in place into `{dest}.part`; a part map beside it (partmap.ts)
 * lets a later call resume after a crash or cancel without refetching
 * finished parts. Every GET is pinned to the ETag seen by HEAD (If-Match,
 * and a check of the returned ETag for stand-ins that ignore If-Match), so a
 * concurrent overwrite restarts the download instead of mixing versions.
 * GETs go through objectget.ts, which skips the SDK's per-request cost.
 * The result is verified (verify.ts), synced, and only then renamed over
 * `dest`, so `dest` is either absent, the old file, or the complete object.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { DownloadFileOptions, TransferOptions } from '../../../core/backend';
import { CancelledError, DstackError, NotFoundError } from '../../../common/errors';
import { isNotFound, isTransient, mapS3Error, retryTransient } from './errors';
import type { BodySink } from './http1';
import { ObjectChangedError, ObjectReader } from './objectget';
import type { PartMap } from './partmap';
import { loadPartMap, PartMapFlusher, savePartMap } from './partmap';
import { runPool } from '../../../core/pool';
import type { S3Target } from './target';
import { MiB } from './target';
import { PART_SIZE_METADATA } from './upload';
import type { Expectation } from './verify';
import { etagOf, expectationFor } from './verify';
import { DiskWriter } from './diskwriter';
import { FrontierHasher } from './hasher';

export interface DownloadOptions extends DownloadFileOptions {
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

/**
 * Downloads `key` to `dest`, resuming from `{dest}.part` when one matches the
 * object. A listed object that comes in one GET and has a plain MD5 ETag
 * needs no HEAD first; a larger or multipart one does, for the part size
 * its ETag is checked with (upload.ts records it in metadata).
 */
export function downloadFile(t: S3Target, key: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const l = opts.listed;
  const whole = l?.etag && /^[0-9a-f]{32}$/i.test(l.etag) && l.size <= (opts.partSize ?? DEFAULT_DOWNLOAD_PART_SIZE);
  return downloadObject(t, key, dest, whole ? { size: l.size, etag: l.etag! } : undefined, opts);
}

/** Trusts `known` (from a listing) for the first try; a stale listing costs one retry. */
async function downloadObject(
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
  const data = await readWhole(t, key, remote.etag, opts.signal);
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
  const hasher = exp.kind === 'size' ? undefined : new FrontierHasher(fh.fd, remote.size, partSize, exp);
  let problem: string | undefined;
  try {
    for (const i of done) hasher?.partDone(i);
    const partLen = (i: number) => Math.min(partSize, remote.size - i * partSize);
    let bytes = [...done].reduce((sum, i) => sum + partLen(i), 0);
    opts.onProgress?.({ bytes, total: remote.size });
    const flusher = new PartMapFlusher(fh, mapPath, map, done);
    const disk = new DiskWriter(fh.fd, WRITE_BATCH);
    const todo = Array.from({ length: count }, (_, i) => i).filter((i) => !done.has(i));
    try {
      await runPool(
        todo,
        opts.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY,
        async (i, signal) => {
          await fetchPart(t, key, remote.etag, disk, i * partSize, partLen(i), signal, (n) => {
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
      await disk.close();
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
  t: S3Target, key: string, etag: string, disk: DiskWriter, pos: number, len: number, signal: AbortSignal, onBytes: (n: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const writer = new PartWriter(disk, pos, onBytes);
    try {
      await ObjectReader.for(t).stream({ key, etag, range: [pos, pos + len - 1], signal }, writer);
      await writer.end();
      if (writer.written !== len) throw Object.assign(new Error('The connection closed before the part was complete.'), { code: 'ECONNRESET' });
      return;
    } catch (err) {
      await writer.settle();
      onBytes(-writer.written);
      if (signal.aborted) throw new CancelledError();
      if (attempt >= PART_ATTEMPTS || !isTransient(err)) {
        throw err instanceof ObjectChangedError ? err : s3errorFor(t, key, err);
      }
    }
  }
}

/**
 * Gathers a part's bytes into WRITE_BATCH buffers (the socket reads straight
 * into them) and hands each full one to the disk writer. Reading pauses
 * while four batches of the part wait for the disk.
 */
class PartWriter implements BodySink {
  private batch: Buffer;
  private fill = 0;
  private queued = 0;
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();
  /** Bytes on disk, reported through onBytes. */
  written = 0;

  constructor(
    private readonly disk: DiskWriter,
    private readonly pos: number,
    private readonly onBytes: (n: number) => void,
  ) {
    this.batch = disk.take();
  }

  space(): Buffer {
    return this.batch.subarray(this.fill);
  }

  write(bytes: Buffer): Promise<void> | undefined {
    if (bytes.buffer === this.batch.buffer && bytes.byteOffset === this.fill) {
      // Read in place through space().
      this.fill += bytes.length;
      if (this.fill === this.batch.length) this.flush();
    } else {
      for (let off = 0; off < bytes.length; ) {
        const n = bytes.copy(this.batch, this.fill, off);
        this.fill += n;
        off += n;
        if (this.fill === this.batch.length) this.flush();
      }
    }
    return this.pending >= 4 ? this.tail : undefined;
  }

  /** Writes what is gathered; resolves when every batch is on disk, rejects with the first write error. */
  end(): Promise<void> {
    if (this.fill > 0) this.flush();
    return this.tail;
  }

  /** After a failure: waits for the writes already queued, and drops the rest. */
  settle(): Promise<void> {
    return this.tail.catch(() => undefined);
  }

  private flush(): void {
    const len = this.fill;
    const at = this.pos + this.queued;
    this.queued += len;
    this.pending++;
    const written = this.disk.write(this.batch, len, at).then(() => {
      this.pending--;
      this.written += len;
      this.onBytes(len);
    });
    this.batch = this.disk.take();
    this.fill = 0;
    this.tail = this.tail.then(() => written);
    // A failed write surfaces through write() or end(); never as an unhandled rejection.
    written.catch(() => undefined);
    this.tail.catch(() => undefined);
  }
}

/** GETs the whole object into memory, again if the connection drops mid-body. */
async function readWhole(t: S3Target, key: string, etag: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await retryTransient(() => ObjectReader.for(t).read({ key, etag, signal }), PART_ATTEMPTS, signal);
  } catch (err) {
    if (signal?.aborted) throw new CancelledError();
    throw err instanceof ObjectChangedError ? err : s3errorFor(t, key, err);
  }
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
