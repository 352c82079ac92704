/**
 * The plain AWS SDK v3 as a reference transfer tool: what a careful user of
 * the SDK alone would write, with no engine of ours. One file moves in
 * ranged GetObject / UploadPart pieces (a simple multipart: @aws-sdk/lib-storage
 * is not installed here, and its Upload would add a dependency for a bench),
 * a folder as one GetObject / PutObject per file, both through a pool of the
 * same width as ours, over a keep-alive agent sized to that pool.
 *
 *   sdk-cp upload-file <file> <key> | download-file <key> <file>
 *   sdk-cp upload-tree <dir> <prefix> | download-tree <prefix> <dir>
 *
 * Same BENCH_S3_* variables as ours-cp.ts, plus BENCH_PART_SIZE (bytes),
 * BENCH_PART_CONCURRENCY and BENCH_TREE_CONCURRENCY.
 */
import { Agent } from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const env = process.env;
const [op, from, to] = process.argv.slice(2);
if (!op || !from || !to || !env.BENCH_S3_ENDPOINT || !env.BENCH_S3_BUCKET) {
  console.error('usage: sdk-cp upload-file|download-file|upload-tree|download-tree FROM TO, with BENCH_S3_* set');
  process.exit(2);
}
const Bucket = env.BENCH_S3_BUCKET;
const partSize = Number(env.BENCH_PART_SIZE ?? 16 * 1024 * 1024);
const partConcurrency = Number(env.BENCH_PART_CONCURRENCY ?? 8);
const treeConcurrency = Number(env.BENCH_TREE_CONCURRENCY ?? 48);
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(partConcurrency, treeConcurrency) });
const client = new S3Client({
  region: env.BENCH_S3_REGION ?? 'us-east-1',
  endpoint: env.BENCH_S3_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: env.BENCH_S3_KEY ?? '', secretAccessKey: env.BENCH_S3_SECRET ?? '' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: new NodeHttpHandler({ httpAgent: agent }),
});

/** Runs `work` over `items`, `width` at a time; the first failure fails the whole. */
async function pool<T>(items: T[], width: number, work: (it: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

async function downloadFile(key: string, path: string): Promise<void> {
  const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
  const size = head.ContentLength ?? 0;
  if (size <= partSize) {
    const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
    await pipeline(res.Body as Readable, createWriteStream(path));
    return;
  }
  const fh = await open(path, 'w');
  try {
    const starts = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i * partSize);
    await pool(starts, partConcurrency, async (start) => {
      const end = Math.min(size, start + partSize) - 1;
      const res = await client.send(new GetObjectCommand({ Bucket, Key: key, Range: `bytes=${start}-${end}`, IfMatch: head.ETag }));
      let pos = start;
      for await (const chunk of res.Body as AsyncIterable<Buffer>) {
        await fh.write(chunk, 0, chunk.length, pos);
        pos += chunk.length;
      }
      if (pos !== end + 1) throw new Error(`short range ${start}-${end}: got ${pos - start} bytes`);
    });
  } finally {
    await fh.close();
  }
}

async function uploadFile(path: string, key: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size <= partSize) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: await fh.readFile(), ContentLength: size }));
      return;
    }
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
    const numbers = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i + 1);
    const etags: string[] = [];
    await pool(numbers, partConcurrency, async (n) => {
      const len = Math.min(partSize, size - (n - 1) * partSize);
      const buf = Buffer.allocUnsafe(len);
      await fh.read(buf, 0, len, (n - 1) * partSize);
      const res = await client.send(new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: n, Body: buf, ContentLength: len }));
      etags[n - 1] = res.ETag ?? '';
    });
    await client.send(new CompleteMultipartUploadCommand({
      Bucket, Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }));
  } finally {
    await fh.close();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

try {
  if (op === 'upload-file') await uploadFile(from, to);
  else if (op === 'download-file') await downloadFile(from, to);
  else if (op === 'upload-tree') {
    await pool(await filesUnder(from), treeConcurrency, async (f) => {
      const body = await readFile(f);
      await client.send(new PutObjectCommand({ Bucket, Key: to + relative(from, f), Body: body, ContentLength: body.length }));
    });
  } else if (op === 'download-tree') {
    await pool(await keysUnder(from), treeConcurrency, async (key) => {
      const dest = join(to, key.slice(from.length));
      await mkdir(dirname(dest), { recursive: true });
      const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      await writeFile(dest, await res.Body!.transformToByteArray());
    });
  } else throw new Error(`unknown operation ${op}`);
} finally {
  client.destroy();
  agent.destroy();
}
