import { createHash } from 'node:crypto';
import { open, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { multipartEtag } from '../../../main/backends/aws/s3/verify';
import { stagedPaths } from '../../../main/core/staged-file';
import { DstackError } from '../../../main/common/errors';
import { MiB, randomFile, resetCounts, useS3 } from './setup';

const f = useS3();
const up = { threshold: 5 * MiB, partSize: 5 * MiB };

describe('transfers against s3rver', () => {
  it('uploads a large file in parallel parts and downloads it with parallel ranged GETs', async () => {
    const src = await randomFile(f.tmp, 'big.bin', 12 * MiB + 123);
    resetCounts(f);
    const seen: number[] = [];
    await f.storage.uploadFile(src.path, 'artifacts/big.bin', { ...up, onProgress: (p) => seen.push(p.bytes) });
    expect(f.counts.get('UploadPartCommand')).toBe(3);
    expect(f.counts.get('PutObjectCommand')).toBeUndefined();
    expect(f.peak.get('UploadPartCommand')).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(src.data.length);

    resetCounts(f);
    const dest = join(f.tmp, 'out', 'big.bin');
    await f.storage.downloadFile('artifacts/big.bin', dest, { partSize: MiB, concurrency: 4 });
    expect(f.counts.get('GetObjectCommand')).toBe(13);
    expect(f.peak.get('GetObjectCommand')).toBe(4);
    expect((await readFile(dest)).equals(src.data)).toBe(true);
    expect((await readdir(join(f.tmp, 'out'))).sort()).toEqual(['big.bin']);
  });

  it('sends a small file in one PUT and fetches it in one GET', async () => {
    const src = await randomFile(f.tmp, 'small.bin', 70_000);
    resetCounts(f);
    await f.storage.uploadFile(src.path, 'artifacts/small.bin', up);
    const dest = join(f.tmp, 'small-out.bin');
    await f.storage.downloadFile('artifacts/small.bin', dest);
    expect(Object.fromEntries(f.counts)).toEqual({ PutObjectCommand: 1, HeadObjectCommand: 1, GetObjectCommand: 1 });
    expect((await readFile(dest)).equals(src.data)).toBe(true);
  });

  it('resumes a download cancelled halfway without refetching finished parts', async () => {
    const src = await randomFile(f.tmp, 'resume.bin', 16 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/resume.bin', up);
    const dest = join(f.tmp, 'resume-out.bin');
    const ac = new AbortController();
    const opts = { partSize: MiB, concurrency: 3 };
    resetCounts(f);
    const err = await f.storage
      .downloadFile('artifacts/resume.bin', dest, { ...opts, signal: ac.signal, onProgress: (p) => p.bytes >= p.total / 2 && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    await expect(stat(dest)).rejects.toThrow();
    const journal = stagedPaths(join(f.home, 'staging'), dest).journal;
    const done = Object.keys((JSON.parse(await readFile(journal, 'utf8')) as { parts: object }).parts).length;
    expect(done).toBeGreaterThanOrEqual(5);
    expect(done).toBeLessThan(16);

    resetCounts(f);
    let first = -1;
    await f.storage.downloadFile('artifacts/resume.bin', dest, { ...opts, onProgress: (p) => (first = first < 0 ? p.bytes : first) });
    expect(first).toBe(done * MiB);
    expect(f.counts.get('GetObjectCommand')).toBe(16 - done);
    expect((await readFile(dest)).equals(src.data)).toBe(true);
    await expect(stat(journal)).rejects.toThrow();
  });

  it('restarts cleanly when the object changed since the part map was written', async () => {
    const v1 = await randomFile(f.tmp, 'changing-v1.bin', 6 * MiB);
    await f.storage.uploadFile(v1.path, 'artifacts/changing.bin', up);
    const dest = join(f.tmp, 'changing-out.bin');
    const ac = new AbortController();
    await f.storage
      .downloadFile('artifacts/changing.bin', dest, { partSize: MiB, concurrency: 1, signal: ac.signal, onProgress: (p) => p.bytes >= 2 * MiB && ac.abort() })
      .catch(() => undefined);
    const v2 = await randomFile(f.tmp, 'changing-v2.bin', 6 * MiB);
    await f.storage.uploadFile(v2.path, 'artifacts/changing.bin', up);
    resetCounts(f);
    await f.storage.downloadFile('artifacts/changing.bin', dest, { partSize: MiB });
    expect(f.counts.get('GetObjectCommand')).toBe(6);
    expect((await readFile(dest)).equals(v2.data)).toBe(true);
  });

  it('restarts when the object is overwritten in the middle of a download', async () => {
    const v1 = await randomFile(f.tmp, 'midway-v1.bin', 6 * MiB);
    const v2 = await randomFile(f.tmp, 'midway-v2.bin', 6 * MiB);
    await f.storage.uploadFile(v1.path, 'artifacts/midway.bin', up);
    resetCounts(f);
    // Before the third ranged GET reaches S3, another writer replaces the object.
    f.traffic.beforeForward = async (op, n) => {
      if (op === 'GetObjectCommand' && n === 3) await f.storage.put('artifacts/midway.bin', v2.data);
    };
    const dest = join(f.tmp, 'midway-out.bin');
    try {
      await f.storage.downloadFile('artifacts/midway.bin', dest, { partSize: MiB, concurrency: 1 });
    } finally {
      f.traffic.beforeForward = undefined;
    }
    expect(f.counts.get('HeadObjectCommand')).toBe(2);
    expect(f.counts.get('GetObjectCommand')).toBe(3 + 6);
    expect((await readFile(dest)).equals(v2.data)).toBe(true);
  });

  it('refuses a corrupted object: typed error, nothing renamed into place, the staged partial discarded', async () => {
    const src = await randomFile(f.tmp, 'corrupt.bin', 3 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/corrupt.bin', up);
    // Flip bytes in s3rver's stored copy; its cached MD5 (the ETag) stays the old one.
    const stored = await readFile(f.s3.objectPath('artifacts/corrupt.bin'));
    stored[MiB + 7]! ^= 0xff;
    await writeFile(f.s3.objectPath('artifacts/corrupt.bin'), stored);
    for (const partSize of [MiB, 8 * MiB]) {
      const dest = join(f.tmp, `corrupt-out-${partSize}.bin`);
      const err = await f.storage.downloadFile('artifacts/corrupt.bin', dest, { partSize }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DstackError);
      expect(err).toMatchObject({ code: 'verification', message: `The download of s3://${f.s3.bucket}/artifacts/corrupt.bin is corrupt: its checksum does not match the object's.` });
      const staged = stagedPaths(join(f.home, 'staging'), dest);
      for (const p of [dest, `${dest}.part`, staged.part, staged.journal]) await expect(stat(p)).rejects.toThrow();
    }
  });

  it('refetches a part zeroed on disk between a cancel and the resume, and gets every byte right', async () => {
    const src = await randomFile(f.tmp, 'damaged.bin', 8 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/damaged.bin', up);
    const dest = join(f.tmp, 'damaged-out.bin');
    const ac = new AbortController();
    await f.storage
      .downloadFile('artifacts/damaged.bin', dest, { partSize: MiB, concurrency: 1, signal: ac.signal, onProgress: (p) => p.bytes >= 4 * MiB && ac.abort() })
      .catch(() => undefined);
    // Where the partial lives: beside the target before the fix, in the private staging folder after it.
    const staged = [`${dest}.part`, stagedPaths(join(f.home, 'staging'), dest).part];
    let zeroed = 0;
    for (const p of staged) {
      const fh = await open(p, 'r+').catch(() => undefined);
      if (!fh) continue;
      await fh.write(Buffer.alloc(MiB), 0, MiB, 0);
      await fh.close();
      zeroed++;
    }
    expect(zeroed, `a partial at one of ${staged.join(', ')}`).toBe(1);
    resetCounts(f);
    await f.storage.downloadFile('artifacts/damaged.bin', dest, { partSize: MiB });
    expect((await readFile(dest)).equals(src.data)).toBe(true);
    // The zeroed part was fetched again, along with the parts never fetched; the intact ones were not.
    expect(f.counts.get('GetObjectCommand')).toBeLessThan(8);
  });

  it('checks a multipart object against its ETag from the part MD5s it hashed on arrival, and refuses it corrupt', async () => {
    const src = await randomFile(f.tmp, 'mp.bin', 17 * MiB + 3);
    await f.storage.uploadFile(src.path, 'artifacts/mp.bin', up);
    // s3rver gives a multipart object a plain MD5; S3 gives md5(part MD5s)-N, which only the uploader's part size can check.
    const digests = [0, 1, 2, 3].map((i) => createHash('md5').update(src.data.subarray(i * 5 * MiB, (i + 1) * 5 * MiB)).digest());
    const object = f.s3.objectPath('artifacts/mp.bin');
    await writeFile(`${object}.md5`, multipartEtag(digests));
    const dest = join(f.tmp, 'mp-out.bin');
    await f.storage.downloadFile('artifacts/mp.bin', dest);
    expect((await readFile(dest)).equals(src.data)).toBe(true);

    const stored = await readFile(object);
    stored[6 * MiB + 1]! ^= 0xff;
    await writeFile(object, stored);
    const bad = join(f.tmp, 'mp-bad.bin');
    const err = await f.storage.downloadFile('artifacts/mp.bin', bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'verification', message: `The download of s3://${f.s3.bucket}/artifacts/mp.bin is corrupt: its checksum does not match the object's.` });
    await expect(stat(bad)).rejects.toThrow();
  });

  it('keeps the previous object when a multipart upload is cancelled', async () => {
    const old = await randomFile(f.tmp, 'keep-v1.bin', 1000);
    await f.storage.uploadFile(old.path, 'artifacts/keep.bin', up);
    const big = await randomFile(f.tmp, 'keep-v2.bin', 20 * MiB);
    const ac = new AbortController();
    const err = await f.storage
      .uploadFile(big.path, 'artifacts/keep.bin', { ...up, concurrency: 1, signal: ac.signal, onProgress: () => ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    expect((await f.storage.get('artifacts/keep.bin'))?.equals(old.data)).toBe(true);
  });

  it('says which file is missing', async () => {
    const err = await f.storage.uploadFile(join(f.tmp, 'nope.bin'), 'artifacts/nope.bin').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found', message: `File not found: ${join(f.tmp, 'nope.bin')}.` });
    const err2 = await f.storage.downloadFile('artifacts/nope.bin', join(f.tmp, 'nope-out.bin')).catch((e: unknown) => e);
    expect(err2).toMatchObject({ code: 'not_found', message: `No object at s3://${f.s3.bucket}/artifacts/nope.bin.` });
  });
});
