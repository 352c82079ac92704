/**
 * The S3 client a bench process (ours-cp.ts, ceiling-get.ts) builds from the
 * BENCH_S3_* variables the bench sets, never from argv, so keys stay out of
 * `ps`; with the app's own client factory, as the app and runner use it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../main/backends/aws/s3/client';

/** The client and bucket, or the usage line and exit 2 when `argsOk` is false or a variable is missing. */
export function benchS3(argsOk: boolean, usage: string): { client: S3Client; bucket: string } {
  const env = process.env;
  if (!argsOk || !env.BENCH_S3_ENDPOINT || !env.BENCH_S3_BUCKET) {
    console.error(`usage: ${usage}, with BENCH_S3_ENDPOINT, BENCH_S3_BUCKET, BENCH_S3_REGION, BENCH_S3_KEY, BENCH_S3_SECRET set`);
    process.exit(2);
  }
  const client = createS3Client({
    region: env.BENCH_S3_REGION ?? 'us-east-1',
    endpoint: env.BENCH_S3_ENDPOINT,
    credentials: { accessKeyId: env.BENCH_S3_KEY ?? '', secretAccessKey: env.BENCH_S3_SECRET ?? '' },
  });
  return { client, bucket: env.BENCH_S3_BUCKET };
}
