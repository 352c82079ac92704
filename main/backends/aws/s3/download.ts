/**
 * Downloads one object. Large objects come down as parallel ranged GETs
 * written in place into a staged partial in a private folder
 * (core/staged-file.ts), never beside `dest` where an artifact of the same
 * name could be. Each part is fingerprinted as its bytes are written
 * (diskwriter.ts) and the fingerprint kept in the partial's journal, so a later call
 * resumes after a crash or cancel without refetching intact parts, and
 * refetches a part whose bytes changed on disk. Every GET is pinned to the
 * ETag seen by HEAD (If-Match, and a check of the returned ETag for
 * stand-ins that ignore If-Match), so a concurrent overwrite restarts the
 * download instead of mixing versions. GETs go through object-reader.ts,
 * which skips the SDK's per-request cost. The result is verified against the
 * ETag (verify.ts), synced, and only then renamed over `dest`, so `dest`
 * is either absent, the old file, or the complete object.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { DownloadFileOptions } from '../../../core/backend';
import { CancelledError, DstackError, NotFoundError } from '../../../common/errors';
import { isNotFound, isTransient, mapS3Error, retryTransient } from './errors';
import type { BodySink } from './object-reader';
import { ObjectChangedError, ObjectReader } from './object-reader';
import { JournalFlusher } from './partmap';
import { runPool } from '../../../core/pool';
import type { StagedSource } from '../../../core/staged-file';
import { StagedFile } from '../../../core/staged-file';
import type { S3Target } from './target';
import { MiB } from './target';
import { MIN_PART_SIZE, PART_SIZE_METADATA } from './upload';
import type { Expectation } from './verify';
import { etagOf, expectationFor, multipartEtag } from './verify';
import { DiskWriter } from './diskwriter';
import { FrontierHasher } from './hasher';

export interface DownloadOptions extends DownloadFileOptions {
  /** Bytes per ranged GET; objects up to this size come in one GET. By default the uploader's part size (see below), else 16 MiB. */
  partSize?: number;
  /** Ranged GETs in flight at once. */
  concurrency?: number;
  /** DSTACK_HOME: partial files are staged in its private `staging` folder (or beside it on another file system). */
  home: string;
}

export const DEFAULT_DOWNLOAD_PART_SIZE = 16 * MiB;
export const DEFAULT_DOWNLOAD_CONCURRENCY = 8;
/** The largest uploader part size a download adopts as its own part size. */
const MAX_ADOPTED_PART_SIZE = 64 * MiB;
const PART_ATTEMPTS = 3;
const WRITE_BATCH = MiB;

/** What HEAD (or a listing) says about the object. */
export interface RemoteObject {
  size: number;
  etag: string;
  uploadPartSize?: number;
}

/**
 * Downloads `key` to `dest`, resuming from the staged partial of an earlier
 * call when it is ours and of this same object. A listed object that comes in one GET and has a plain MD5 ETag
 * needs no HEAD first; a larger or multipart one does, for the part size
 * its ETag is checked with (upload.ts records it in metadata).
 */
export function downloadFile(t: S3Target, key: string, dest: string, opts: DownloadOptions): Promise<void> {
  const l = opts.listed;
  const whole = l?.etag && /^[0-9a-f]{32}$/i.test(l.etag) && l.size <= (opts.partSize ?? DEFAULT_DOWNLOAD_PART_SIZE);
  return downloadObject(t, key, dest, whole ? { size: l.size, etag: l.etag! } : undefined, opts);
}

/** Trusts `known` (from a listing) for the first try; a stale listing costs one retry. */
async function downloadObject(
  t: S3Target, key: string, dest: string, known: RemoteObject | undefined, opts: DownloadOptions,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const remote = attempt === 0 && known ? known : await headObject(t, key, opts.signal);
      if (remote.size <= (opts.partSize ?? DEFAULT_DOWNLOAD_PART_SIZE)) return await downloadSmall(t, key, dest, remote, opts);
      return await downloadParts(t, key, dest, remote, opts);
    } catch (err) {
      if (!(err instanceof ObjectChangedError)) throw err;
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

/** One GET, verified in memory, written to a staged file, synced and renamed onto `dest`. */
async function downloadSmall(t: S3Target, key: string, dest: string, remote: RemoteObject, opts: DownloadOptions): Promise<void> {
  const exp = expectationFor(remote.etag, remote.uploadPartSize);
  const data = await readWhole(t, key, remote.etag, opts.signal);
  const problem = checkContent(data.length, exp.kind === 'size' ? undefined : etagOf(data, exp), remote, exp);
  if (problem) throw corrupt(t, key, problem);
  const staged = await beginStaged(opts.home, dest, { key, size: remote.size, etag: remote.etag, partSize: Math.max(remote.size, 1), partHash: 'crc32' }, false);
  try {
    await staged.fh.write(data, 0, data.length, 0);
  } catch (err) {
    await staged.discard();
    throw err;
  }
  await staged.commit(dest);
  opts.onProgress?.({ bytes: remote.size, total: remote.size });
}

/** The part size: the uploader's when it recorded one we can use, so the ETag follows from the parts' own MD5s. */
function partSizeFor(remote: RemoteObject, opts: DownloadOptions): number {
  if (opts.partSize) return opts.partSize;
  const up = remote.uploadPartSize;
  return up && up >= MIN_PART_SIZE && up <= MAX_ADOPTED_PART_SIZE ? up : DEFAULT_DOWNLOAD_PART_SIZE;
}

async function downloadParts(t: S3Target, key: string, dest: string, remote: RemoteObject, opts: DownloadOptions): Promise<void> {
  const partSize = partSizeFor(remote, opts);
  const exp = expectationFor(remote.etag, remote.uploadPartSize);
  // A multipart ETag over parts of our own size follows from the part MD5s; anything else is hashed whole by reading back.
  const fromParts = exp.kind === 'multipart' && exp.uploadPartSize === partSize;
  const partHash = fromParts ? 'md5' : 'crc32';
  const staged = await beginStaged(opts.home, dest, { key, size: remote.size, etag: remote.etag, partSize, partHash }, true, opts.signal);
  const count = Math.ceil(remote.size / partSize);
  const digests = new Map(staged.reused);
  const hasher = exp.kind === 'size' || fromParts ? undefined : new FrontierHasher(staged.fh.fd, remote.size, partSize, exp);
  let problem: string | undefined;
  try {
    for (const i of digests.keys()) hasher?.partDone(i);
    const partLen = (i: number) => Math.min(partSize, remote.size - i * partSize);
    let bytes = [...digests.keys()].reduce((sum, i) => sum + partLen(i), 0);
    opts.onProgress?.({ bytes, total: remote.size });
    const flusher = new JournalFlusher(() => staged.save());
    const disk = new DiskWriter(staged.fh.fd, WRITE_BATCH, partHash);
    const todo = Array.from({ length: count }, (_, i) => i).filter((i) => !digests.has(i));
    try {
      await runPool(
        todo,
        opts.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY,
        async (i, signal) => {
          const digest = await fetchPart(t, key, remote.etag, disk, i, i * partSize, partLen(i), signal, (n) => {
            bytes += n;
            opts.onProgress?.({ bytes, total: remote.size });
          });
          digests.set(i, digest);
          staged.partDone(i, digest);
          flusher.schedule();
          hasher?.partDone(i);
        },
        opts.signal,
      );
    } finally {
      await disk.close();
      await flusher.flush();
    }
    const onDisk = (await staged.fh.stat()).size;
    // A hasher that cannot read the file back counts as a checksum mismatch.
    const got = fromParts
      ? multipartEtag(Array.from({ length: count }, (_, i) => Buffer.from(digests.get(i) ?? '', 'hex')))
      : hasher ? await hasher.finish().catch(() => undefined) : undefined;
    problem = checkContent(onDisk, got, remote, exp);
  } catch (err) {
    await hasher?.close();
    // A cancel or a dropped connection keeps the intact parts for the next call; a changed object does not.
    await (err instanceof ObjectChangedError ? staged.discard() : staged.keep());
    throw err;
  }
  await hasher?.close();
  if (problem) {
    await staged.discard();
    throw corrupt(t, key, problem);
  }
  await staged.commit(dest);
}

/** A staged file for `dest`, whose folder is made when missing. */
async function beginStaged(
  home: string, dest: string, source: StagedSource, resumable: boolean, signal?: AbortSignal,
): Promise<StagedFile> {
  try {
    return await StagedFile.begin(home, dest, source, { resumable, signal });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(dest), { recursive: true });
    return StagedFile.begin(home, dest, source, { resumable, signal });
  }
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

/** Fetches part `part` (`len` bytes at `pos`) into the file, retrying a connection that drops mid-body; resolves to its fingerprint. */
async function fetchPart(
  t: S3Target, key: string, etag: string, disk: DiskWriter, part: number, pos: number, len: number, signal: AbortSignal, onBytes: (n: number) => void,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    disk.resetPart(part);
    const writer = new PartWriter(disk, part, pos, onBytes);
    try {
      await ObjectReader.for(t).stream({ key, etag, range: [pos, pos + len - 1], signal }, writer);
      await writer.end();
      if (writer.written !== len) throw Object.assign(new Error('The connection closed before the part was complete.'), { code: 'ECONNRESET' });
      return await disk.digest(part);
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
 * Gathers a part's bytes into WRITE_BATCH buffers and hands each full one to
 * the disk writer. Reading pauses
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
    private readonly part: number,
    private readonly pos: number,
    private readonly onBytes: (n: number) => void,
  ) {
    this.batch = disk.take();
  }

  write(bytes: Buffer): Promise<void> | undefined {
    for (let off = 0; off < bytes.length; ) {
      const n = bytes.copy(this.batch, this.fill, off);
      this.fill += n;
      off += n;
      if (this.fill === this.batch.length) this.flush();
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
    const written = this.disk.write(this.batch, len, at, this.part).then(() => {
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

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/"/g, '');
}
