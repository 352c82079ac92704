/**
 * Presigned GET URLs, so a team hub hands its AWS project's artifacts to
 * members without proxying a byte: the member's client fetches straight
 * from S3 with Range, inside the project's own s3:GetObject, until the URL
 * expires. A multipart object's ETag can only be checked with the
 * uploader's part size, which upload.ts records in metadata: one HEAD
 * reads it for such objects; a plain MD5 ETag needs none.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectInfo, SignedGet } from '../../../core/backend';
import { NotFoundError } from '../../../common/errors';
import { isNotFound, mapS3Error } from './errors';
import type { S3Target } from './target';
import { PART_SIZE_METADATA } from './upload';

/** A presigned GET of `object` valid for `expiresInSec`, with the part size its multipart ETag needs. */
export async function signedGet(t: S3Target, object: ObjectInfo, expiresInSec: number): Promise<SignedGet> {
  const expiresAt = Date.now() + expiresInSec * 1000;
  try {
    // Loaded on first use: only a hub signs URLs, and the CLI and runner start faster without it.
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const url = await getSignedUrl(t.client, new GetObjectCommand({ Bucket: t.bucket, Key: object.key }), { expiresIn: expiresInSec });
    if (!object.etag?.includes('-')) return { url, expiresAt };
    const h = await t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: object.key }));
    const recorded = Number(h.Metadata?.[PART_SIZE_METADATA]);
    return recorded > 0 ? { url, expiresAt, uploadPartSize: recorded } : { url, expiresAt };
  } catch (err) {
    if (isNotFound(err)) throw new NotFoundError(`s3://${t.bucket}/${object.key} was deleted since it was listed.`, 'List the artifacts again.');
    throw mapS3Error(err, { action: 's3:GetObject', bucket: t.bucket, key: object.key });
  }
}
