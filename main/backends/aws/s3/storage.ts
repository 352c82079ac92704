/**
 * Storage on S3, within the seed policy: reads and HEADs need s3:GetObject,
 * writes and multipart s3:PutObject, deletes (including DeleteObjects)
 * s3:DeleteObject, listings s3:ListBucket. Nothing else is called, so the
 * narrow IAM template is enough.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ListOptions, ListPage, ObjectInfo, PutCondition, SignedGet, Storage, VersionedObject } from '../../../core/backend';
import { PreconditionFailedError } from '../../../core/backend';
import type { DstackError } from '../../../common/errors';
import type { DownloadOptions } from './download';
import { downloadFile } from './download';
import { dstackHome } from '../../../node/home';
import { isNotFound, mapS3Error, retryTransient } from './errors';
import { putObject } from './object-writer';
import { signedGet } from './presign';
import type { S3Target } from './target';
import type { UploadOptions } from './upload';
import { uploadFile } from './upload';

const DELETE_BATCH = 1000;

/**
 * The AWS backend's storage: one bucket, one client. Whole folders move
 * through the core (core/tree-transfer.ts), file by file through here.
 */
export class S3Storage implements Storage {
  private readonly t: S3Target;

  /** @param home DSTACK_HOME, whose private `staging` folder holds unfinished downloads. */
  constructor(
    readonly bucket: string,
    readonly client: S3Client,
    private readonly home = dstackHome(),
  ) {
    this.t = { bucket, client };
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await retryTransient(async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.error(err, 's3:GetObject', key);
    }
  }

  async getWithEtag(key: string): Promise<VersionedObject | undefined> {
    try {
      return await retryTransient(async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return { body: Buffer.from(await res.Body!.transformToByteArray()), etag: unquote(res.ETag) ?? '' };
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.error(err, 's3:GetObject', key);
    }
  }

  /**
   * A conditional put is still s3:PutObject, inside the seed policy. S3
   * answers a lost condition with 412 PreconditionFailed, a race with another
   * conditional write of the key with 409 ConditionalRequestConflict, and an
   * If-Match on a missing key with 404; all three mean "re-read and decide".
   * It goes through object-writer.ts (undici, a cached signer), not the SDK's
   * command stack.
   */
  async put(key: string, body: Buffer | string, condition?: PutCondition): Promise<void> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const headers: Record<string, string> = !condition ? {} : 'ifMatch' in condition ? { 'if-match': `"${condition.ifMatch}"` } : { 'if-none-match': '*' };
    try {
      await putObject(this.t, { key, body: data, headers });
    } catch (err) {
      if (condition && isLostCondition(err)) throw new PreconditionFailedError(key);
      throw this.error(err, 's3:PutObject', key);
    }
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  signedGet(object: ObjectInfo, expiresInSec: number): Promise<SignedGet> {
    return signedGet(this.t, object, expiresInSec);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: h.ContentLength ?? 0, etag: unquote(h.ETag), modified: h.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.error(err, 's3:GetObject', key);
    }
  }

  /** Batches of 1,000 keys, S3's limit per DeleteObjects; per-key failures are reported too. */
  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      let res;
      try {
        res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (err) {
        throw this.error(err, 's3:DeleteObject', batch[0]);
      }
      const failed = res.Errors?.[0];
      if (failed) {
        throw this.error(Object.assign(new Error(failed.Message ?? 'Delete failed.'), { name: failed.Code }), 's3:DeleteObject', failed.Key);
      }
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: opts.delimiter,
          ContinuationToken: opts.token,
          MaxKeys: opts.limit,
        }),
      );
      return {
        objects: (res.Contents ?? []).map((o) => ({
          key: o.Key ?? '',
          size: o.Size ?? 0,
          etag: unquote(o.ETag),
          modified: o.LastModified?.getTime() ?? 0,
        })),
        prefixes: (res.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
        next: res.IsTruncated ? res.NextContinuationToken : undefined,
      };
    } catch (err) {
      throw this.error(err, 's3:ListBucket', prefix);
    }
  }

  uploadFile(localPath: string, key: string, opts?: UploadOptions): Promise<void> {
    return uploadFile(this.t, localPath, key, opts);
  }

  downloadFile(key: string, localPath: string, opts: Omit<DownloadOptions, 'home'> = {}): Promise<void> {
    return downloadFile(this.t, key, localPath, { ...opts, home: this.home });
  }

  private error(err: unknown, action: string, key: string | undefined): DstackError {
    return mapS3Error(err, { action, bucket: this.bucket, key });
  }
}

function isLostCondition(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict' || status === 412 || status === 409 || isNotFound(err);
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/"/g, '');
}
