// A multipart upload streams each part from the file: the part data it holds
// at once stays near the read-ahead of its parallel streams, not parts × part
// size. Measured as process.memoryUsage().arrayBuffers (where Buffers live)
// while a 144 MiB file goes up to s3rver, which runs in a child process, so
// only the uploader's own buffers count.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  tmp = await mkdtemp(join(tmpdir(), 'dstack-upload-memory-'));
});
afterAll(async () => {
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('upload memory', () => {
  it('holds far less than parts in flight × part size of file data while a large file goes up', async () => {
    const path = join(tmp, 'big.bin');
    await writeRandomFile(path, 144 * MiB);
    const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
    const storage = new S3Storage(s3.bucket, client, join(tmp, 'home'));
    try {
      global.gc?.();
      const base = process.memoryUsage().arrayBuffers;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 2);
      try {
        // 16 MiB parts, 8 in flight: buffering whole parts holds 128 MiB at once.
        await storage.uploadFile(path, 'big.bin', { partSize: 16 * MiB, concurrency: 8 });
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      const heldMiB = Math.round((peak - base) / MiB);
      expect(heldMiB, `peak Buffer memory above the start while uploading: ${heldMiB} MiB`).toBeLessThan(48);
      await sameFile(path, s3.objectPath('big.bin'), 'uploaded object');
    } finally {
      client.destroy();
    }
  }, 180_000);
});
