// A large download hands its bytes to the disk-writing thread without
// creating garbage per MiB: each transferred ArrayBuffer used to register a
// new external allocation in both threads, and at download speed that
// forced a full (mark-compact) garbage collection every few dozen MiB,
// about a quarter of the main thread's CPU. Counted with the `gc`
// performance entries in a downloading process of its own
// (gc-download-child.ts), as `dstack cp` is, while 256 MiB come down from
// s3rver (another process).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';
import { sameFile } from '../../../bench/verify';
import { MiB } from './setup';
import { writeRandomFile } from './random-file';

let s3: S3rver;
let tmp: string;
beforeAll(async () => {
  s3 = await startS3rver();
  tmp = await mkdtemp(join(tmpdir(), 'dstack-download-gc-'));
});
afterAll(async () => {
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('download garbage', () => {
  it('runs a 256 MiB download with at most a few full garbage collections', async () => {
    const src = join(tmp, 'big.bin');
    await writeRandomFile(src, 256 * MiB);
    const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
    const storage = new S3Storage(s3.bucket, client, join(tmp, 'home'));
    try {
      await storage.uploadFile(src, 'big.bin');
      await storage.put('warm.bin', Buffer.alloc(MiB, 7));
      const out = join(tmp, 'out.bin');
      const child = join(import.meta.dirname, 'gc-download-child.ts');
      const env = {
        ...process.env, TEST_S3_REGION: s3.region, TEST_S3_ENDPOINT: s3.endpoint, TEST_S3_BUCKET: s3.bucket,
        TEST_S3_KEY: s3.credentials.accessKeyId, TEST_S3_SECRET: s3.credentials.secretAccessKey,
      };
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, 'big.bin', out, join(tmp, 'home'), 'warm.bin'], { env, timeout: 150_000 });
      const { full } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { full: number[] };
      expect(full.length, `full collections during the download (ms each): ${full.join(', ')}`).toBeLessThanOrEqual(4);
      await sameFile(src, out, 'downloaded file');
    } finally {
      client.destroy();
    }
  }, 180_000);
});
