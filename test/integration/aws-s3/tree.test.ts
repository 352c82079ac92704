import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadTree, uploadTree } from '../../../main/core/tree-transfer';
import { uploadItemsOf } from '../../helpers/tree-items';
import { MiB, randomFile, resetCounts, useS3 } from './setup';

const f = useS3();

describe('folder transfers against s3rver', () => {
  it('uploads and downloads a tree of many small files and one large one', async () => {
    const src = join(f.tmp, 'src');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 300; i++) {
      const rel = `d${i % 7}/sub${i % 3}/f${i}.txt`;
      await mkdir(join(src, `d${i % 7}`, `sub${i % 3}`), { recursive: true });
      const data = Buffer.from(`file ${i} `.repeat(i + 1));
      await writeFile(join(src, rel), data);
      files.set(rel, data);
    }
    files.set('model.bin', (await randomFile(src, 'model.bin', 20 * MiB)).data);
    let last = { bytes: 0, total: 0 };
    resetCounts(f);
    const upRes = await uploadTree(f.storage, await uploadItemsOf(src, 'artifacts/org/repo/job1/'), { concurrency: 16, onProgress: (p) => (last = p) });
    const total = [...files.values()].reduce((s, b) => s + b.length, 0);
    expect(upRes).toEqual({ files: 301, bytes: total });
    expect(last).toEqual({ bytes: total, total });
    expect(f.counts.get('PutObjectCommand')).toBe(300);
    expect(f.counts.get('UploadPartCommand')).toBe(2);
    expect(f.peak.get('PutObjectCommand')).toBeGreaterThan(1);

    const out = join(f.tmp, 'out');
    resetCounts(f);
    const downRes = await downloadTree(f.storage, 'artifacts/org/repo/job1/', out, { concurrency: 16 });
    expect(downRes).toEqual({ files: 301, bytes: total });
    // Small files need no HEAD: the listing already gave their size and ETag. The
    // multipart one does, for the part size its ETag is checked with.
    expect(f.counts.get('HeadObjectCommand')).toBe(1);
    expect(f.counts.get('GetObjectCommand')).toBe(300 + 2);
    for (const [rel, data] of files) expect((await readFile(join(out, rel))).equals(data), rel).toBe(true);
  });
});
