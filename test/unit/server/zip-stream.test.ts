// Folder downloads in server mode: the .zip stream, checked with Info-ZIP's
// unzip (CRCs, names, bytes), in its plain and its ZIP64 layout.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planZip, zipStream } from '../../../main/server/zip-stream';
import { unzipAll } from '../../helpers/unzip';

let tmp: string;
let src: string;
const files = new Map<string, Buffer>([
  ['a.txt', Buffer.from('hello')],
  ['empty.bin', Buffer.alloc(0)],
  ['sub/deep/model.bin', randomBytes(3 * 1024 * 1024 + 17)],
  ['sub/naïve résumé.txt', Buffer.from('unicode names survive')],
]);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-zip-'));
  src = join(tmp, 'out');
  for (const [name, data] of files) {
    await mkdir(join(src, name, '..'), { recursive: true });
    await writeFile(join(src, name), data);
  }
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function zipTo(name: string, forceZip64 = false): Promise<{ path: string; planned: number }> {
  const plan = await planZip(src, { forceZip64 });
  const path = join(tmp, name);
  await pipeline(zipStream(plan), createWriteStream(path));
  return { path, planned: plan.length };
}

describe('zipStream', () => {
  it('holds every file of the folder, byte for byte, at the length announced up front', async () => {
    const { path, planned } = await zipTo('plain.zip');
    expect((await stat(path)).size).toBe(planned);
    const got = unzipAll(path);
    expect([...got.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, data] of files) expect(got.get(name)!.equals(data), name).toBe(true);
    expect((await readFile(path)).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false);
  });

  it('writes a valid ZIP64 layout, as files past 4 GiB need', async () => {
    const { path, planned } = await zipTo('zip64.zip', true);
    expect((await stat(path)).size).toBe(planned);
    expect((await readFile(path)).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    const got = unzipAll(path);
    for (const [name, data] of files) expect(got.get(name)!.equals(data), name).toBe(true);
  });

  it('fails the stream, rather than send a corrupt archive, when a file changes under it', async () => {
    const plan = await planZip(src);
    await appendFile(join(src, 'a.txt'), '!');
    try {
      await expect(pipeline(zipStream(plan), createWriteStream(join(tmp, 'bad.zip')))).rejects.toThrow('a.txt changed while it was being zipped.');
    } finally {
      await writeFile(join(src, 'a.txt'), files.get('a.txt')!);
    }
  });
});

describe('zipStream with a root folder', () => {
  it('puts every entry under the folder name, which cannot escape with slashes or dots', async () => {
    const plan = await planZip(src, { root: 'ckpt' });
    const path = join(tmp, 'rooted.zip');
    await pipeline(zipStream(plan), createWriteStream(path));
    expect((await stat(path)).size).toBe(plan.length);
    const got = unzipAll(path);
    expect([...got.keys()].sort()).toEqual([...files.keys()].map((n) => `ckpt/${n}`).sort());
    expect((await planZip(src, { root: '../x' })).entries.map((e) => e.name.toString('utf8').split('/')[0])).toContain('.._x');
    expect((await planZip(src, { root: '..' })).entries[0]!.name.toString('utf8')).toMatch(/^_\//);
  });
});
