/**
 * The ceiling of our downloads from the bench's S3 server on this machine:
 * our own GET path (undici, the SDK's signer) fetching the object in the
 * same ranged parts with the same parallelism, with every byte thrown away:
 * no disk, no hashing, no staging. Our engine, which keeps and verifies the
 * bytes, cannot be faster, so a target ratio that would need a time below
 * this one cannot be met here by any change to what happens after the GET;
 * the bench reports it beside the references for that reason.
 *
 *   ceiling-get download-file <key> <ignored>
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ObjectReader } from '../main/backends/aws/s3/object-reader';
import { runPool } from '../main/core/pool';
import { benchS3 } from './bench-s3';

const args = process.argv.slice(2);
const { client, bucket } = benchS3(args[0] === 'download-file' && !!args[1], 'ceiling-get download-file KEY -');
// Checked just above.
const key = args[1] as string;
const env = process.env;
const t = { client, bucket };
const partSize = Number(env.BENCH_PART_SIZE ?? 16 * 1024 * 1024);
try {
  const head = await client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key }));
  const size = head.ContentLength ?? 0;
  const etag = (head.ETag ?? '').replace(/"/g, '');
  const parts = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i);
  let got = 0;
  await runPool(parts, Number(env.BENCH_PART_CONCURRENCY ?? 8), async (i, signal) => {
    const end = Math.min(size, (i + 1) * partSize) - 1;
    await ObjectReader.for(t).stream({ key, etag, range: [i * partSize, end], signal }, { write: (b) => void (got += b.length) });
  });
  if (got !== size) throw new Error(`received ${got} of ${size} bytes`);
} finally {
  client.destroy();
}
