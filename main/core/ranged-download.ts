/**
 * One file downloaded as parallel ranged reads of a {@link RangeSource},
 * through the core's staging (staged-file.ts): the partial lives in the
 * private staging folder, never beside `dest`; each part's fingerprint goes
 * in the journal as its bytes arrive; a later call resumes only from a
 * partial this code made, re-hashing every part it reuses and fetching
 * again any that no longer match. The finished file is checked against the
 * source before it is renamed into place: its size always, and its S3
 * multipart ETag, SHA-256, MD5 or CRC-32C when the source gives one. Any
 * source that can read a byte range plugs in: a presigned S3 URL or a hub's
 * download route (cli/hub/link-source.ts), a Cloud Storage object
 * (backends/gcp/gcs-download.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CancelledError, DstackError } from '../common/errors';
import type { TransferProgress } from './backend';
import { crc32c } from './crc32c';
import { runPool } from './pool';
import type { StagedSource } from './staged-file';
import { partHasher, StagedFile } from './staged-file';

const MiB = 1024 * 1024;
export const RANGED_PART_SIZE = 8 * MiB;
const DEFAULT_CONCURRENCY = 4;
/** Reads of one part that may break off before the download stops (and keeps what it has). */
const PART_ATTEMPTS = 3;
/** The largest multipart part size adopted as our own part size (so the ETag follows from the part MD5s). */
const MAX_ADOPTED_PART_SIZE = 512 * MiB;

/** One version of a file's bytes, readable by range. */
export interface RangeSource {
  /** Names the file for the journal and for messages; a resume needs the same key, size and etag. */
  key: string;
  size: number;
  etag: string;
  /** The whole file's MD5 (hex), when known. */
  md5?: string;
  /** The whole file's SHA-256 (hex), when known; a source may learn it from its reads' answers, before the final check. */
  sha256?: string;
  /** The whole file's CRC-32C (hex, as the big-endian number), checked when there is no SHA-256 or MD5. */
  crc32c?: string;
  /** An S3 multipart ETag (`etag`) over parts of this size, when that is what the source has. */
  multipartPartSize?: number;
  /**
   * The bytes `start`…`start + len - 1`, as they arrive. A dropped
   * connection is a DstackError with code `unavailable` (tried again); a
   * source that can no longer be read at all (an expired URL) throws
   * {@link SourceExpiredError}, so the caller gets a fresh one and calls again.
   */
  read(start: number, len: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /**
   * Fills in `sha256`, `md5` or `crc32c` when a source that learns them
   * from its reads' answers made no read (every part was resumed). Called
   * once after the last part, before the final check, and only then.
   */
  lookUpHashes?(signal?: AbortSignal): Promise<void>;
}

/** The source's URL (or grant) ran out: the partial is kept, and the same download with a fresh source resumes it. */
export class SourceExpiredError extends DstackError {
  constructor(what: string) {
    super('unavailable', `The link to ${what} expired.`, { fix: 'Ask for a new link; the download resumes.' });
    this.name = 'SourceExpiredError';
  }
}

export interface RangedDownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Bytes per ranged read and per journal entry, unless the source's multipart ETag dictates it. */
  partSize?: number;
  /** Ranged reads in flight at once. */
  concurrency?: number;
}

function partSizeFor(src: RangeSource, opts: RangedDownloadOptions): number {
  const m = src.multipartPartSize;
  return m && m > 0 && m <= MAX_ADOPTED_PART_SIZE ? m : (opts.partSize ?? RANGED_PART_SIZE);
}

/** Downloads `src` to `dest` (home holds the staging folder), resuming and verifying as above. */
export async function downloadRanged(home: string, src: RangeSource, dest: string, opts: RangedDownloadOptions = {}): Promise<void> {
  const partSize = partSizeFor(src, opts);
  const multipart = !!src.multipartPartSize && partSize === src.multipartPartSize;
  const source: StagedSource = { key: src.key, size: src.size, etag: src.etag, partSize, partHash: multipart ? 'md5' : 'crc32' };
  await mkdir(dirname(dest), { recursive: true });
  const staged = await StagedFile.begin(home, dest, source, { resumable: src.size > partSize, ...(opts.signal ? { signal: opts.signal } : {}) });
  let problem: string | undefined;
  try {
    const digests = await fetchParts(src, staged, source, opts);
    problem = await check(src, staged, source, digests, opts.signal);
  } catch (err) {
    const cancelled = opts.signal?.aborted || err instanceof CancelledError;
    // The bytes so far are good and only the transfer stopped: kept for the next call.
    if (cancelled || (err instanceof DstackError && err.code === 'unavailable')) {
      await staged.save().catch(() => undefined);
      await staged.keep();
      throw cancelled ? new CancelledError('The transfer was cancelled.') : err;
    }
    await staged.discard();
    throw err;
  }
  if (problem) {
    await staged.discard();
    throw new DstackError('verification', `The download of ${src.key} is corrupt: its ${problem} does not match the source's.`, {
      fix: 'Download it again; the damaged copy was discarded.',
    });
  }
  await staged.commit(dest);
}

/** Fetches every part not reused; resolves with each part's fingerprint by index. */
async function fetchParts(src: RangeSource, staged: StagedFile, source: StagedSource, opts: RangedDownloadOptions): Promise<Map<number, string>> {
  const { size, partSize } = source;
  const partLen = (i: number) => Math.min(partSize, size - i * partSize);
  const digests = new Map(staged.reused);
  const todo = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i).filter((i) => !digests.has(i));
  let bytes = [...digests.keys()].reduce((n, i) => n + partLen(i), 0);
  opts.onProgress?.({ bytes, total: size });
  const resumable = size > partSize;
  // One journal write at a time: they share a temp file.
  let saves: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => (saves = saves.then(() => staged.save()));
  await runPool(
    todo,
    opts.concurrency ?? DEFAULT_CONCURRENCY,
    async (i, signal) => {
      for (let attempt = 1; ; attempt++) {
        let got = 0;
        try {
          const digest = await fetchPart(src, staged, source, i * partSize, partLen(i), signal, (n) => {
            got += n;
            bytes += n;
            opts.onProgress?.({ bytes, total: size });
          });
          digests.set(i, digest);
          staged.partDone(i, digest);
          break;
        } catch (err) {
          bytes -= got;
          if (signal.aborted) throw new CancelledError('The transfer was cancelled.');
          const retry = err instanceof DstackError && err.code === 'unavailable' && !(err instanceof SourceExpiredError);
          if (!retry || attempt >= PART_ATTEMPTS) throw err;
        }
      }
      if (resumable) await save();
    },
    opts.signal,
  );
  await saves;
  return digests;
}

/** Reads one part into the partial at its offset; resolves with its fingerprint. */
async function fetchPart(
  src: RangeSource, staged: StagedFile, source: StagedSource, start: number, len: number, signal: AbortSignal, moved: (n: number) => void,
): Promise<string> {
  const hash = partHasher(source.partHash);
  let pos = start;
  try {
    for await (const chunk of await src.read(start, len, signal)) {
      if (pos + chunk.length > start + len) {
        throw new DstackError('verification', `The source of ${src.key} sent more bytes than were asked for.`, { fix: 'Download it again.' });
      }
      hash.update(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      for (let off = 0; off < chunk.length; ) off += (await staged.fh.write(chunk, off, chunk.length - off, pos + off)).bytesWritten;
      pos += chunk.length;
      moved(chunk.length);
    }
  } catch (err) {
    if (err instanceof DstackError) throw err;
    if (signal.aborted) throw new CancelledError('The transfer was cancelled.');
    // Otherwise the body stopped coming: a dropped connection, not a problem with the file.
  }
  if (pos !== start + len) {
    throw new DstackError('unavailable', `The connection dropped after ${pos - start} of ${len} bytes of ${src.key}.`, { fix: 'Try again: the download resumes.' });
  }
  return hash.digest();
}

/**
 * What is wrong with the finished partial, if anything: its `size`, or the
 * hash it fails (`ETag`, from the part MD5s; else `SHA-256`, `MD5` or
 * `CRC-32C`, the first the source gives, over the file read back).
 */
async function check(src: RangeSource, staged: StagedFile, source: StagedSource, digests: Map<number, string>, signal?: AbortSignal): Promise<string | undefined> {
  if ((await staged.fh.stat()).size !== src.size) return 'size';
  if (source.partHash === 'md5') {
    const parts = Array.from({ length: Math.ceil(src.size / source.partSize) }, (_, i) => Buffer.from(digests.get(i) ?? '', 'hex'));
    const etag = `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
    return etag === src.etag.toLowerCase() ? undefined : 'ETag';
  }
  if (!src.sha256 && !src.md5 && !src.crc32c) await src.lookUpHashes?.(signal);
  const whole = wholeHash(src);
  if (!whole) return undefined;
  const buf = Buffer.allocUnsafe(Math.min(MiB, Math.max(src.size, 1)));
  for (let pos = 0; pos < src.size; ) {
    const { bytesRead } = await staged.fh.read(buf, 0, Math.min(buf.length, src.size - pos), pos);
    if (bytesRead === 0) return 'size';
    whole.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return whole.hex() === whole.want.toLowerCase() ? undefined : whole.name;
}

/** The strongest whole-file hash the source gives, as an incremental hasher. */
function wholeHash(src: RangeSource): { name: string; want: string; update(chunk: Buffer): void; hex(): string } | undefined {
  const known = src.sha256 ? (['SHA-256', 'sha256', src.sha256] as const) : src.md5 ? (['MD5', 'md5', src.md5] as const) : undefined;
  if (known) {
    const [name, algorithm, want] = known;
    const h = createHash(algorithm);
    return { name, want, update: (c) => void h.update(c), hex: () => h.digest('hex') };
  }
  if (!src.crc32c) return undefined;
  let crc = 0;
  return { name: 'CRC-32C', want: src.crc32c, update: (c) => void (crc = crc32c(c, crc)), hex: () => crc.toString(16).padStart(8, '0') };
}
