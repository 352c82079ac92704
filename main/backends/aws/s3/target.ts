/**
 * The bucket a transfer talks to, and the one wrapper every S3 call goes
 * through so that no SDK error escapes untyped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { mapS3Error } from './errors';

export interface S3Target {
  client: S3Client;
  bucket: string;
}

/** Runs one S3 call; a failure becomes a DstackError naming `action` and the key. */
export async function s3call<T>(t: S3Target, action: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapS3Error(err, { action, bucket: t.bucket, key });
  }
}

export const MiB = 1024 * 1024;
