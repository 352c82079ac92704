/**
 * Downloads one object through the core's staging (core/staged-file.ts):
 * ranged GETs in parallel, each pinned to the generation first seen
 * (`ifGenerationMatch`), so a rewrite mid-download is a 412, never a file
 * spliced from two versions. Each part's CRC-32 goes in the journal as it
 * arrives, so an interrupted download resumes only from parts that still
 * hash the same; the finished file is then checked whole against the
 * object's MD5 (or CRC-32C, all a composite object has) before it is
 * renamed into place.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DownloadFileOptions } from '../../core/backend';
import { CancelledError, DstackError, NotFoundError } from '../../common/errors';
import { runPool } from '../../core/pool';
import type { StagedSource } from '../../core/staged-file';
import { partHasher, StagedFile } from '../../core/staged-file';
import { crc32c, crc32cBase64 } from './crc32c';
import { GcpHttpError } from './errors';
import type { GcsObject, GcsTarget } from './gcs-object';
import { gsUrl, objectUrl } from './gcs-object';

export interface GcsDownloadOptions extends DownloadFileOptions {
  /** Bytes per ranged GET and per journal entry. */
  partSize?: number;
  /** Ranged GETs in flight at once. */
  concurrency?: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * MiB;
const DEFAULT_CONCURRENCY = 4;
/** Starts over this often when the object is rewritten under the download. */
const MAX_RESTARTS = 2;
/** Ranged GETs of one part that may break off before the download stops (and keeps what it has). */
const PART_RETRIES = 2;

type Metadata = (key: string, signal?: AbortSignal) => Promise<GcsObject | undefined>;

export async function downloadObject(t: GcsTarget, metadata: Metadata, key: string, localPath: string, opts: GcsDownloadOptions & { home: string }): Promise<void> {
  let current = opts;
  for (let attempt = 0; ; attempt++) {
    try {
      return await downloadOnce(t, metadata, key, localPath, current);
    } catch (err) {
      if (err instanceof GcpHttpError && err.status === 404) throw new NotFoundError(`The object "${key}" does not exist.`, `Check the name; ${gsUrl(t, key)} is not in the bucket.`);
      if (!(err instanceof GcpHttpError && err.status === 412) || attempt >= MAX_RESTARTS) throw err;
      // The object changed since it was listed or first read: start over from its metadata.
      current = { ...opts, listed: undefined };
    }
  }
}

async function downloadOnce(t: GcsTarget, metadata: Metadata, key: string, localPath: string, opts: GcsDownloadOptions & { home: string }): Promise<void> {
  // A listing's entry saves a metadata GET per file: its generation pins the reads, whose headers carry the hashes.
  const listed = opts.listed && /^[1-9]\d*$/.test(opts.listed.etag ?? '') ? { name: key, size: String(opts.listed.size), generation: opts.listed.etag! } : undefined;
  const meta: GcsObject | undefined = listed ?? (await metadata(key, opts.signal));
  if (!meta) throw new NotFoundError(`The object "${key}" does not exist.`, `Check the name; ${gsUrl(t, key)} is not in the bucket.`);
  const size = Number(meta.size);
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  await mkdir(dirname(localPath), { recursive: true });
  const source: StagedSource = { key, size, etag: meta.generation, partSize, partHash: 'crc32' };
  const staged = await StagedFile.begin(opts.home, localPath, source, { ...(opts.signal ? { signal: opts.signal } : {}), resumable: size > partSize });
  try {
    const hashes = await fetchParts(t, staged, source, opts);
    await verify(staged, listed ? await withHashes(meta, hashes, metadata, opts.signal) : meta, gsUrl(t, key));
  } catch (err) {
    const cancelled = opts.signal?.aborted || err instanceof CancelledError;
    // Kept for a later call when the bytes so far are good and only the transfer stopped.
    if (cancelled || (err instanceof DstackError && err.code === 'unavailable')) {
      await staged.save().catch(() => undefined);
      await staged.keep();
      throw cancelled ? new CancelledError('The transfer was cancelled.') : err;
    }
    await staged.discard();
    throw err;
  }
  await staged.commit(localPath);
}

/** Fetches the parts not reused; returns the `x-goog-hash` the reads carried, if any read was made. */
async function fetchParts(t: GcsTarget, staged: StagedFile, source: StagedSource, opts: GcsDownloadOptions): Promise<string | undefined> {
  let hashes: string | undefined;
  const { size, partSize } = source;
  const partLen = (i: number) => Math.min(partSize, size - i * partSize);
  const todo = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i).filter((i) => !staged.reused.has(i));
  let bytes = [...staged.reused.keys()].reduce((n, i) => n + partLen(i), 0);
  opts.onProgress?.({ bytes, total: size });
  const resumable = size > partSize;
  // One journal write at a time: they share a temp file.
  let saves: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => (saves = saves.then(() => staged.save()));
  await runPool(
    todo,
    opts.concurrency ?? DEFAULT_CONCURRENCY,
    async (i, signal) => {
      const start = i * partSize;
      const len = partLen(i);
      let got = 0;
      for (let attempt = 0; ; attempt++) {
        try {
          got = 0;
          const digest = await fetchPart(t, staged, source, start, len, signal, (h) => (hashes ??= h ?? undefined), (n) => {
            got += n;
            bytes += n;
            opts.onProgress?.({ bytes, total: size });
          });
          staged.partDone(i, digest);
          break;
        } catch (err) {
          bytes -= got;
          if (signal.aborted || !(err instanceof DstackError && err.code === 'unavailable') || attempt >= PART_RETRIES) throw err;
        }
      }
      if (resumable) await save();
    },
    opts.signal,
  );
  return hashes;
}

/**
 * The object's hashes for a download started from a listing: from the
 * reads' `x-goog-hash` header, else (every part was resumed, no read made)
 * from its metadata, which must still be the generation the parts came from.
 */
async function withHashes(meta: GcsObject, header: string | undefined, metadata: Metadata, signal?: AbortSignal): Promise<GcsObject> {
  const parsed = Object.fromEntries((header ?? '').split(',').map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]));
  if (parsed.md5 || parsed.crc32c) return { ...meta, ...(parsed.md5 ? { md5Hash: parsed.md5 } : {}), ...(parsed.crc32c ? { crc32c: parsed.crc32c } : {}) };
  const fresh = await metadata(meta.name, signal);
  if (fresh?.generation !== meta.generation) throw new GcpHttpError(412, 'conflict', `${meta.name} changed during the download.`);
  return fresh;
}

/** One ranged GET of a part, written at its offset; returns the part's fingerprint. */
async function fetchPart(
  t: GcsTarget,
  staged: StagedFile,
  source: StagedSource,
  start: number,
  len: number,
  signal: AbortSignal,
  onHashes: (header: string | null) => void,
  moved: (n: number) => void,
): Promise<string> {
  const where = gsUrl(t, source.key);
  const res = await t.http.call({
    action: 'storage.objects.get',
    resource: where,
    url: objectUrl(t, source.key),
    query: { alt: 'media', ifGenerationMatch: source.etag },
    headers: { range: `bytes=${start}-${start + len - 1}` },
    idempotent: true,
    signal,
  });
  if (res.status !== 206 && !(res.status === 200 && len === source.size)) {
    throw new DstackError('unavailable', `Cloud Storage answered a ranged read of ${where} with ${res.status}.`, { fix: 'Try again.' });
  }
  onHashes(res.headers.get('x-goog-hash'));
  const hash = partHasher(source.partHash);
  let pos = start;
  // A body already flowing does not always notice the fetch's signal: cancelling the reader ends a pending read.
  const reader = res.body!.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const chunk = r.value;
      if (pos + chunk.length > start + len) throw tooLong(source.key);
      hash.update(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      for (let off = 0; off < chunk.length; ) off += (await staged.fh.write(chunk, off, chunk.length - off, pos + off)).bytesWritten;
      pos += chunk.length;
      moved(chunk.length);
    }
  } catch (err) {
    if (err instanceof DstackError) throw err;
    // Otherwise the body stopped coming: a dropped connection, not a problem with the file.
  } finally {
    signal.removeEventListener('abort', stop);
  }
  if (signal.aborted) throw new CancelledError('The transfer was cancelled.');
  if (pos !== start + len) {
    throw new DstackError('unavailable', `The connection dropped after ${pos - start} of ${len} bytes of ${where}.`, { fix: 'Try again: the download resumes.' });
  }
  return hash.digest();
}

function tooLong(key: string): DstackError {
  return new DstackError('verification', `Cloud Storage sent more bytes of "${key}" than were asked for.`, { fix: 'Try again.' });
}

/** The whole file against the object's MD5, else its CRC-32C: resumed parts included. */
async function verify(staged: StagedFile, meta: GcsObject, where: string): Promise<void> {
  if (!meta.md5Hash && !meta.crc32c) return;
  const md5 = meta.md5Hash ? createHash('md5') : undefined;
  let crc = 0;
  const size = Number(meta.size);
  const buf = Buffer.allocUnsafe(Math.min(MiB, Math.max(size, 1)));
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await staged.fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    if (md5) md5.update(chunk);
    else crc = crc32c(chunk, crc);
    pos += bytesRead;
  }
  const [kind, want, got] = md5 ? ['MD5', meta.md5Hash, md5.digest('base64')] : ['CRC-32C', meta.crc32c, crc32cBase64(crc)];
  if (want !== got) {
    throw new DstackError('verification', `The download of ${where} does not match its ${kind} (${got}, expected ${want}).`, { fix: 'Download it again.' });
  }
}
