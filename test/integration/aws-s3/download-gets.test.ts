import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import { downloadTree, uploadTree } from '../../../main/core/tree-transfer';
import { uploadItemsOf } from '../../helpers/tree-items';
import { MiB, randomFile, resetCounts, useS3 } from './setup';

const f = useS3();

// Downloads GET objects without the SDK's pipeline (object-reader.ts: undici and
// the SDK's signer): these check what a GetObject would guarantee, against a
// real S3 stand-in whose proxy checks every signature independently.
describe('object GETs without the SDK', () => {
  it('signs and encodes keys with spaces, unicode and reserved characters as S3 expects', async () => {
    const src = join(f.tmp, 'odd-src');
    const names = ['a b.txt', 'ünï cödé.txt', 'plus+and=eq.txt', "bang!(paren)*'star~.txt", 'semi;colon,comma@at$.txt'];
    await mkdir(join(src, 'dir with space'), { recursive: true });
    for (const n of names) await writeFile(join(src, 'dir with space', n), `content of ${n}`);
    await uploadTree(f.storage, await uploadItemsOf(src, 'artifacts/odd/'));
    const out = join(f.tmp, 'odd-out');
    await downloadTree(f.storage, 'artifacts/odd/', out);
    expect((await readdir(join(out, 'dir with space'))).sort()).toEqual([...names].sort());
    for (const n of names) expect(await readFile(join(out, 'dir with space', n), 'utf8')).toBe(`content of ${n}`);

    const big = await randomFile(f.tmp, 'big odd.bin', 3 * MiB + 17);
    await f.storage.uploadFile(big.path, 'artifacts/odd/ü big+file (1).bin', { threshold: 5 * MiB });
    const dest = join(f.tmp, 'odd-big-out.bin');
    await f.storage.downloadFile('artifacts/odd/ü big+file (1).bin', dest, { partSize: MiB });
    expect((await readFile(dest)).equals(big.data)).toBe(true);
  });

  it('fetches a part again when the connection drops in the middle of its body', async () => {
    const src = await randomFile(f.tmp, 'flaky.bin', 4 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/flaky.bin', { threshold: 5 * MiB });
    resetCounts(f);
    f.traffic.dropAfter = (op, n) => (op === 'GetObjectCommand' && n === 2 ? 300_000 : undefined);
    const dest = join(f.tmp, 'flaky-out.bin');
    let last = 0;
    try {
      await f.storage.downloadFile('artifacts/flaky.bin', dest, { partSize: MiB, concurrency: 2, onProgress: (p) => (last = p.bytes) });
    } finally {
      f.traffic.dropAfter = undefined;
    }
    expect(f.counts.get('GetObjectCommand')).toBe(4 + 1);
    expect(last).toBe(4 * MiB);
    expect((await readFile(dest)).equals(src.data)).toBe(true);
  });

  it('turns a rejected signature into the same credentials error the SDK calls get', async () => {
    await f.storage.put('artifacts/secret.txt', 'x');
    const etag = String((await f.storage.head('artifacts/secret.txt'))?.etag);
    const wrong = createS3Client({ region: f.s3.region, endpoint: f.traffic.endpoint, credentials: { accessKeyId: f.s3.credentials.accessKeyId, secretAccessKey: 'wrong' } });
    try {
      const storage = new S3Storage(f.s3.bucket, wrong, f.home);
      const err = await storage.downloadFile('artifacts/secret.txt', join(f.tmp, 'secret-out.txt'), { listed: { key: 'artifacts/secret.txt', size: 1, etag, modified: 0 } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'credentials', message: 'AWS rejected the credentials (SignatureDoesNotMatch).' });
    } finally {
      wrong.destroy();
    }
  });

  it('says which object is missing when it was deleted after the listing', async () => {
    const dest = join(f.tmp, 'none-out.txt');
    const err = await f.storage.downloadFile('artifacts/none.txt', dest, { listed: { key: 'artifacts/none.txt', size: 1, etag: '0'.repeat(32), modified: 0 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found', message: `s3://${f.s3.bucket}/artifacts/none.txt was deleted while it was downloading.` });
  });
});
