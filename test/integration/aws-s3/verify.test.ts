import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MiB, randomFile, useS3 } from './setup';

const f = useS3();

/** The multipart ETag as coreutils compute it: an independent reference for ours. */
function shellMultipartEtag(path: string, partSize: number): string {
  const script = `cd "$(dirname "$1")" && split -b $2 "$1" mp.part. && for p in mp.part.*; do md5sum "$p" | cut -c1-32; done | xxd -r -p | md5sum | cut -c1-32; n=$(ls mp.part.* | wc -l); rm mp.part.*; echo "-$n"`;
  return execFileSync('sh', ['-c', script, 'sh', path, String(partSize)]).toString().replace(/\n/g, '');
}

describe('verification of multipart ETags', () => {
  it('checks a download against an S3 multipart ETag using the part size recorded at upload', async () => {
    const src = await randomFile(f.tmp, 'mp.bin', 13 * MiB + 5);
    await f.storage.uploadFile(src.path, 'artifacts/mp.bin', { threshold: 5 * MiB, partSize: 5 * MiB });
    // s3rver gives multipart objects a plain MD5 ETag; give this one the ETag real S3 would.
    const etag = shellMultipartEtag(src.path, 5 * MiB);
    expect(etag).toMatch(/^[0-9a-f]{32}-3$/);
    await writeFile(`${f.s3.objectPath('artifacts/mp.bin')}.md5`, etag);
    expect((await f.storage.head('artifacts/mp.bin'))?.etag).toBe(etag);

    const dest = join(f.tmp, 'mp-out.bin');
    await f.storage.downloadFile('artifacts/mp.bin', dest, { partSize: 3 * MiB });
    expect((await readFile(dest)).equals(src.data)).toBe(true);

    const stored = await readFile(f.s3.objectPath('artifacts/mp.bin'));
    stored[11 * MiB]! ^= 1;
    await writeFile(f.s3.objectPath('artifacts/mp.bin'), stored);
    for (const partSize of [3 * MiB, 16 * MiB]) {
      const bad = join(f.tmp, `mp-bad-${partSize}.bin`);
      const err = await f.storage.downloadFile('artifacts/mp.bin', bad, { partSize }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'verification' });
      await expect(stat(bad)).rejects.toThrow();
    }
  });
});
