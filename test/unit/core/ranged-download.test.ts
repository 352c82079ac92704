import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RangeSource } from '../../../main/core/ranged-download';
import { downloadRanged } from '../../../main/core/ranged-download';
import { crc32cValue } from '../../helpers/gcs-standin';

const KiB = 1024;
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-ranged-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A source serving `served` (in 1 KiB chunks) while describing `data`: with `hashes` known from the start, or only once looked up. */
function source(data: Buffer, served: Buffer, hashes: Partial<RangeSource>, lookUp?: Partial<RangeSource>): RangeSource & { lookups: number } {
  const src: RangeSource & { lookups: number } = {
    key: 'model.bin',
    size: data.length,
    etag: '7',
    lookups: 0,
    ...hashes,
    read: async (start, len) =>
      (async function* () {
        for (let at = start; at < start + len; at += KiB) yield served.subarray(at, Math.min(at + KiB, start + len));
      })(),
  };
  if (lookUp) {
    src.lookUpHashes = async () => {
      src.lookups++;
      Object.assign(src, lookUp);
    };
  }
  return src;
}

const hex = (crc: number) => crc.toString(16).padStart(8, '0');

describe('the ranged download checks what the source gives', () => {
  it('refuses bytes that do not match the CRC-32C, all a composite Cloud Storage object has, and keeps nothing', async () => {
    const data = randomBytes(40 * KiB + 3);
    const damaged = Buffer.from(data);
    damaged[17 * KiB] = damaged[17 * KiB]! ^ 0x01;
    const dest = join(tmp, 'bad.bin');
    const err = await downloadRanged(join(tmp, 'home'), source(data, damaged, { crc32c: hex(crc32cValue(data)) }), dest, { partSize: 8 * KiB }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'verification', message: "The download of model.bin is corrupt: its CRC-32C does not match the source's." });
    await expect(stat(dest)).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(tmp, 'home', 'staging')), 'the staging folder is empty').toEqual([]);

    const good = join(tmp, 'good.bin');
    await downloadRanged(join(tmp, 'home'), source(data, data, { crc32c: hex(crc32cValue(data)) }), good, { partSize: 8 * KiB });
    expect((await readFile(good)).equals(data), 'the intact file lands byte for byte').toBe(true);
  });

  it('looks the hashes up after the last part when no read gave them, and checks against them', async () => {
    const data = randomBytes(20 * KiB);
    const damaged = Buffer.from(data);
    damaged[3] = damaged[3]! ^ 0x80;
    const md5 = createHash('md5').update(data).digest('hex');
    const src = source(data, damaged, {}, { md5 });
    const err = await downloadRanged(join(tmp, 'home'), src, join(tmp, 'late.bin'), { partSize: 8 * KiB }).catch((e: unknown) => e);
    expect(src.lookups, 'hashes looked up once').toBe(1);
    expect(err).toMatchObject({ code: 'verification', message: "The download of model.bin is corrupt: its MD5 does not match the source's." });

    const known = source(data, data, { md5 }, { md5: '0'.repeat(32) });
    await downloadRanged(join(tmp, 'home'), known, join(tmp, 'known.bin'), { partSize: 8 * KiB });
    expect(known.lookups, 'no look-up when the hashes are known').toBe(0);
  });
});
