/**
 * Uploads one file to Cloud Storage. Small files go up in one multipart
 * request (metadata and bytes together); large ones in a resumable session,
 * chunk by chunk with positioned reads, so a 1 GiB file never sits in
 * memory and a dropped connection costs one chunk: the session is asked how
 * far it got and the upload goes on from there. The file's MD5 is sent in
 * the metadata, so Cloud Storage refuses to finish an object whose bytes
 * differ (a file changed mid-upload); until the last chunk lands, readers
 * keep seeing the previous object.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { TransferOptions } from '../../core/backend';
import { DstackError, InvalidArgumentError, NotFoundError } from '../../common/errors';
import { GcpHttpError } from './errors';
import type { GcsObject, GcsTarget } from './gcs-object';
import { gsUrl, uploadUrl } from './gcs-object';

export interface GcsUploadOptions extends TransferOptions {
  /** Files of this size or more go up in a resumable session. */
  threshold?: number;
  /** Bytes per request of a session; a multiple of 256 KiB, as Cloud Storage requires. */
  chunkSize?: number;
}

const KiB = 1024;
export const CHUNK_QUANTUM = 256 * KiB;
export const DEFAULT_UPLOAD_THRESHOLD = 8 * 1024 * KiB;
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * KiB;
/** Failed chunk requests in a row before the upload gives up. */
const MAX_FAILURES = 5;
const READ_CHUNK = 1024 * KiB;

export async function uploadObject(t: GcsTarget, localPath: string, key: string, opts: GcsUploadOptions = {}): Promise<void> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (chunkSize <= 0 || chunkSize % CHUNK_QUANTUM !== 0) {
    throw new InvalidArgumentError(`Chunk size ${chunkSize} is not a multiple of 256 KiB.`, 'Use a multiple of 262144 bytes, as Cloud Storage requires.');
  }
  const fh = await open(localPath, 'r').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new NotFoundError(`File not found: ${localPath}.`) : err;
  });
  try {
    const { size } = await fh.stat();
    const md5 = await md5Of(fh, size, opts.signal);
    const ctx = { action: 'storage.objects.create', resource: gsUrl(t, key) };
    let done: GcsObject;
    try {
      // An empty file has no chunk to send, so it always goes in one request.
      done = size === 0 || size < (opts.threshold ?? DEFAULT_UPLOAD_THRESHOLD) ? await multipart(t, fh, size, key, md5, opts) : await resumable(t, fh, size, key, md5, chunkSize, opts);
    } catch (err) {
      // Our MD5 came with the metadata: a 400 at the end means the bytes sent were not the file we hashed.
      if (err instanceof GcpHttpError && err.status === 400 && /md5|hash|checksum/i.test(err.message)) {
        throw new DstackError('verification', `${localPath} changed while it was being uploaded to ${ctx.resource}.`, { fix: 'Upload it again once it is no longer being written.' });
      }
      throw err;
    }
    if (done.md5Hash && done.md5Hash !== md5) {
      throw new DstackError('verification', `Cloud Storage holds other bytes than ${localPath} at ${ctx.resource}.`, { fix: 'Upload it again.' });
    }
    opts.onProgress?.({ bytes: size, total: size });
  } finally {
    await fh.close();
  }
}

async function multipart(t: GcsTarget, fh: FileHandle, size: number, key: string, md5: string, opts: GcsUploadOptions): Promise<GcsObject> {
  const boundary = `dstack-${randomBytes(12).toString('hex')}`;
  const data = await readAt(fh, 0, size);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify({ name: key, md5Hash: md5 })}\r\n`),
    Buffer.from(`--${boundary}\r\ncontent-type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.http.json<GcsObject>({
    action: 'storage.objects.create',
    resource: gsUrl(t, key),
    method: 'POST',
    url: uploadUrl(t),
    query: { uploadType: 'multipart' },
    headers: { 'content-type': `multipart/related; boundary=${boundary}` },
    body,
    idempotent: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

async function resumable(t: GcsTarget, fh: FileHandle, size: number, key: string, md5: string, chunkSize: number, opts: GcsUploadOptions): Promise<GcsObject> {
  const ctx = { action: 'storage.objects.create', resource: gsUrl(t, key), ...(opts.signal ? { signal: opts.signal } : {}) };
  const started = await t.http.call({
    ...ctx,
    method: 'POST',
    url: uploadUrl(t),
    query: { uploadType: 'resumable' },
    headers: { 'x-upload-content-length': String(size), 'x-upload-content-type': 'application/octet-stream' },
    json: { name: key, md5Hash: md5 },
  });
  const session = started.headers.get('location');
  if (!session) throw new DstackError('unavailable', `Cloud Storage started no upload session for ${ctx.resource}.`, { fix: 'Try again.' });
  let pos = 0;
  let failures = 0;
  for (;;) {
    const len = Math.min(chunkSize, size - pos);
    const chunk = await readAt(fh, pos, len);
    let res: Response;
    try {
      res = await t.http.call({ ...ctx, method: 'PUT', url: session, headers: { 'content-range': `bytes ${pos}-${pos + len - 1}/${size}` }, body: chunk, accept: [308] });
    } catch (err) {
      if (opts.signal?.aborted || !retryable(err) || ++failures > MAX_FAILURES) throw err;
      // Ask the session how much it kept; it may be more or less than was sent.
      res = await t.http.call({ ...ctx, method: 'PUT', url: session, headers: { 'content-range': `bytes */${size}` }, accept: [308], idempotent: true });
    }
    if (res.status !== 308) return (await res.json()) as GcsObject;
    await res.arrayBuffer();
    const next = persisted(res.headers.get('range'));
    if (next > pos) failures = 0;
    pos = next;
    opts.onProgress?.({ bytes: pos, total: size });
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof GcpHttpError) return err.status === 429 || err.status >= 500;
  return err instanceof DstackError && err.code === 'unavailable';
}

/** The first byte the session has not kept, from its `Range: bytes=0-N` header (none: nothing kept). */
function persisted(range: string | null): number {
  const m = range && /^bytes=0-(\d+)$/.exec(range);
  return m ? Number(m[1]) + 1 : 0;
}

/** The file's MD5, base64, as Cloud Storage writes `md5Hash`. */
async function md5Of(fh: FileHandle, size: number, signal?: AbortSignal): Promise<string> {
  const h = createHash('md5');
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(size, 1)));
  for (let pos = 0; pos < size; ) {
    signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    h.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return h.digest('base64');
}

/** Exactly `len` bytes at `pos`; a short read means the file shrank under us. */
async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  for (let got = 0; got < len; ) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) throw new InvalidArgumentError('The file shrank while it was being uploaded.', 'Upload it again once it is no longer being written.');
    got += bytesRead;
  }
  return buf;
}
