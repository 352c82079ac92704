/**
 * Object PUTs and part uploads through object-http.ts (undici and a cached
 * signer), not the SDK's command stack, which costs about 2 ms of CPU per
 * small object. Bodies are signed as UNSIGNED-PAYLOAD, as the SDK does for
 * streams: signing a payload hash would need a pass over the bytes before
 * sending them. What S3 received is checked instead:
 * - bytes in memory (small files, metadata) go with a Content-MD5 header,
 *   so S3 itself refuses a body that changed on the way (BadDigest);
 * - a stretch of a file is read in READ_SIZE pieces as it is sent, never
 *   held whole, and MD5-hashed on the way; the ETag S3 answers must be that
 *   MD5. (S3's ETag is not the MD5 under SSE-KMS or SSE-C; the answer says
 *   so in its headers, and then only the length is checked, by S3, against
 *   Content-Length.)
 * Transient failures (network, 5xx, a digest mismatch) are retried here,
 * with the body read again, as the SDK's retry strategy would.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { InvalidArgumentError } from '../../../common/errors';
import { isTransient } from './errors';
import { header, ObjectHttp, s3ErrorOf } from './object-http';
import type { S3Target } from './target';

/** `len` bytes of an open file from `pos`. */
export interface FileSlice {
  fh: FileHandle;
  pos: number;
  len: number;
}

export interface ObjectPut {
  key: string;
  body: Buffer | FileSlice;
  /** `partNumber` and `uploadId` for a part of a multipart upload. */
  query?: Record<string, string>;
  /** Extra headers, e.g. `if-none-match`, `if-match`. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PutResult {
  /** The ETag S3 gave the object or part, unquoted. */
  etag: string;
  /** The MD5 of the bytes sent. */
  md5: Buffer;
}

/**
 * Bytes per read of a file being sent: large enough that a GiB is 4,096
 * reads, small enough that 8 parts in flight hold a few MiB, not 8 parts.
 */
export const READ_SIZE = 256 * 1024;
const ATTEMPTS = 3;
/** Server-side encryption whose ETag is not the MD5 of the content. */
const OPAQUE_ETAG = /kms/i;

/** PUTs one object or part; resolves once S3 has it, with the ETag and MD5 checked to agree. */
export async function putObject(t: S3Target, put: ObjectPut): Promise<PutResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await putOnce(t, put);
    } catch (err) {
      if (attempt >= ATTEMPTS || put.signal?.aborted || !isTransient(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

async function putOnce(t: S3Target, put: ObjectPut): Promise<PutResult> {
  const md5 = createHash('md5');
  const inMemory = Buffer.isBuffer(put.body);
  const headers: Record<string, string> = { ...put.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  let body: Buffer | AsyncIterable<Buffer>;
  let digest: Buffer | undefined;
  if (Buffer.isBuffer(put.body)) {
    digest = md5.update(put.body).digest();
    headers['content-md5'] = digest.toString('base64');
    headers['content-length'] = String(put.body.length);
    body = put.body;
  } else {
    headers['content-length'] = String(put.body.len);
    body = readSlice(put.body, md5);
  }
  const res = await ObjectHttp.for(t).send({ method: 'PUT', key: put.key, query: put.query, headers, body, signal: put.signal });
  if (res.statusCode >= 300) throw await s3ErrorOf(res);
  await res.body.dump();
  digest ??= md5.digest();
  const etag = header(res.headers, 'etag').replace(/"/g, '');
  const opaque = OPAQUE_ETAG.test(header(res.headers, 'x-amz-server-side-encryption')) || header(res.headers, 'x-amz-server-side-encryption-customer-algorithm') !== '';
  if (!inMemory && !opaque && etag !== digest.toString('hex')) {
    // Retried like a dropped connection: the bytes S3 stored are not the ones read from the file.
    throw Object.assign(new Error(`S3 stored other bytes than were sent for ${put.key} (ETag ${etag}, sent MD5 ${digest.toString('hex')}).`), {
      name: 'BadDigest', $metadata: { httpStatusCode: 500 },
    });
  }
  return { etag, md5: digest };
}

/** The slice, read piece by piece as the connection takes it, each piece hashed on the way. */
async function* readSlice(s: FileSlice, md5: Hash): AsyncGenerator<Buffer> {
  for (let off = 0; off < s.len; ) {
    const want = Math.min(READ_SIZE, s.len - off);
    // A fresh buffer per piece: undici may still hold the previous one in the socket's queue.
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await s.fh.read(buf, 0, want, s.pos + off);
    if (bytesRead === 0) throw new InvalidArgumentError('The file shrank while it was being uploaded.', 'Upload it again once it is no longer being written.');
    const piece = bytesRead === want ? buf : buf.subarray(0, bytesRead);
    md5.update(piece);
    off += bytesRead;
    yield piece;
  }
}
