/**
 * Uploads one file. Small files go up in a single PUT; large ones in
 * parallel multipart parts, each streamed from the file with positioned
 * reads as its connection takes the bytes (object-writer.ts), so no part
 * depends on another and what sits in memory is a few read pieces per part
 * in flight, not whole parts. Each part's MD5 is computed as it streams and
 * checked against the part's ETag, and the object's multipart ETag against
 * those MD5s. Until
 * CompleteMultipartUpload succeeds readers keep seeing the previous object;
 * on any failure or cancel the upload is aborted (best effort: the bucket's
 * lifecycle rule reaps what an abort could not).
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import type { TransferOptions } from '../../../core/backend';
import { DstackError, InvalidArgumentError, NotFoundError } from '../../../common/errors';
import { runPool } from '../../../core/pool';
import { putObject, READ_SIZE } from './object-writer';
import type { S3Target } from './target';
import { MiB, s3call } from './target';
import { multipartEtag } from './verify';

export interface UploadOptions extends TransferOptions {
  /** Files of this size or more go up in parts. */
  threshold?: number;
  /** Bytes per part; at least 5 MiB, S3's minimum for all but the last part. */
  partSize?: number;
  /** Parts in flight at once. */
  concurrency?: number;
}

export const MIN_PART_SIZE = 5 * MiB;
export const DEFAULT_UPLOAD_THRESHOLD = 16 * MiB;
export const DEFAULT_UPLOAD_PART_SIZE = 16 * MiB;
export const DEFAULT_UPLOAD_CONCURRENCY = 8;
const MAX_PARTS = 10_000;
/**
 * User metadata recording the part size, because a multipart ETag
 * (`md5-of-part-md5s-N`) can only be recomputed by a reader who knows it.
 */
export const PART_SIZE_METADATA = 'dstack-part-size';

/** Uploads `localPath` to `key`; resolves once the object is complete and visible. */
export async function uploadFile(t: S3Target, localPath: string, key: string, opts: UploadOptions = {}): Promise<void> {
  const fh = await openForRead(localPath);
  try {
    const { size } = await fh.stat();
    if (size < (opts.threshold ?? DEFAULT_UPLOAD_THRESHOLD)) {
      // A file that fits one read goes from memory, with its Content-MD5; a larger one streams.
      const body = size <= READ_SIZE ? await readAt(fh, 0, size) : { fh, pos: 0, len: size };
      await s3call(t, 's3:PutObject', key, () => putObject(t, { key, body, signal: opts.signal }));
      opts.onProgress?.({ bytes: size, total: size });
    } else {
      await uploadMultipart(t, fh, size, key, opts);
    }
  } finally {
    await fh.close();
  }
}

async function uploadMultipart(t: S3Target, fh: FileHandle, size: number, key: string, opts: UploadOptions): Promise<void> {
  const partSize = choosePartSize(size, opts.partSize ?? DEFAULT_UPLOAD_PART_SIZE);
  const count = Math.ceil(size / partSize);
  const created = await s3call(t, 's3:PutObject', key, () =>
    t.client.send(
      new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: key, Metadata: { [PART_SIZE_METADATA]: String(partSize) } }),
      { abortSignal: opts.signal },
    ),
  );
  const uploadId = created.UploadId ?? '';
  const etags: string[] = new Array<string>(count);
  const digests: Buffer[] = new Array<Buffer>(count);
  let sent = 0;
  try {
    await runPool(
      Array.from({ length: count }, (_, i) => i),
      opts.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY,
      async (i, signal) => {
        const len = Math.min(partSize, size - i * partSize);
        const part = await s3call(t, 's3:PutObject', key, () =>
          putObject(t, { key, body: { fh, pos: i * partSize, len }, query: { partNumber: String(i + 1), uploadId }, signal }),
        );
        etags[i] = part.etag;
        digests[i] = part.md5;
        sent += len;
        opts.onProgress?.({ bytes: sent, total: size });
      },
      opts.signal,
    );
    const done = await s3call(t, 's3:PutObject', key, () =>
      t.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: t.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      ),
    );
    checkAssembled(t, key, done.ETag, done.ServerSideEncryption, digests);
  } catch (err) {
    // Best effort and never masking the real failure: some stand-ins (s3rver)
    // do not implement AbortMultipartUpload, and the lifecycle rule set up by
    // `dstack config aws` reaps incomplete uploads anyway.
    await t.client
      .send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
    throw err;
  }
}

/** Refuses an object S3 assembled from other parts than those sent (its ETag is the MD5 of their MD5s, unless KMS-encrypted). */
function checkAssembled(t: S3Target, key: string, etag: string | undefined, sse: string | undefined, digests: Buffer[]): void {
  const got = (etag ?? '').replace(/"/g, '');
  if (/kms/i.test(sse ?? '') || !/^[0-9a-f]{32}-\d+$/i.test(got)) return;
  if (got.toLowerCase() !== multipartEtag(digests)) {
    throw new DstackError('verification', `s3://${t.bucket}/${key} was assembled from other parts than were uploaded.`, {
      fix: 'Upload it again; if it keeps happening, something between here and S3 changes the data.',
    });
  }
}

/** The requested part size, raised when needed to stay within S3's 10,000 parts. */
function choosePartSize(size: number, requested: number): number {
  if (requested < MIN_PART_SIZE) {
    throw new InvalidArgumentError(`Part size ${requested} is below S3's minimum of 5 MiB.`, 'Use a part size of at least 5 MiB.');
  }
  const needed = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return Math.max(requested, needed);
}

async function openForRead(localPath: string): Promise<FileHandle> {
  try {
    return await open(localPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`File not found: ${localPath}.`);
    throw err;
  }
}

/** Reads exactly `len` bytes at `pos`; short reads only happen if the file shrank. */
export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) throw new InvalidArgumentError('The file shrank while it was being uploaded.', 'Upload it again once it is no longer being written.');
    got += bytesRead;
  }
  return buf;
}
