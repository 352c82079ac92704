import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyArtifacts } from '../../../main/core/artifacts';
import { keys } from '../../../main/core/keys';
import { stagedPaths } from '../../../main/core/staged-file';
import { collidingTree, readTree, treeDifferences } from '../../helpers/colliding-artifacts';
import { MiB, randomFile, useS3 } from './setup';

const f = useS3();
const REPO = 'proj-0123abcd';
const JOB = 'odd-hawk-1,train,0';
const prefix = keys.artifactsPrefix(REPO, JOB);

describe('S3 downloads keep partial files out of the artifacts', () => {
  it('copies a folder holding p1, p1.part, big.part.json… byte for byte (copyArtifacts, as `dstack cp`)', async () => {
    const files = collidingTree(10);
    for (const [rel, data] of files) await f.storage.put(prefix + rel, data);
    // A multipart object with the names its old part file and part map would have had, as artifacts of their own.
    const big = await randomFile(f.tmp, 'big-src.bin', 17 * MiB + 5);
    await f.storage.uploadFile(big.path, `${prefix}big.bin`, { threshold: 5 * MiB, partSize: 5 * MiB });
    files.set('big.bin', big.data);
    for (const name of ['big.bin.part', 'big.bin.part.json']) {
      const data = Buffer.from(name === 'big.bin.part' ? 'not the object' : '{"version":1,"done":[0,1,2]}');
      await f.storage.put(prefix + name, data);
      files.set(name, data);
    }
    const out = join(f.tmp, 'copy-out');
    const copied = await copyArtifacts(f.storage, REPO, JOB, '', out);
    expect(treeDifferences(files, await readTree(out))).toEqual([]);
    expect(copied.files).toBe(files.size);
  });

  for (const [what, size, partSize] of [['one GET', 200_000, undefined], ['ranged GETs', 3 * MiB, MiB]] as const) {
    it(`never reads, follows or writes through a symlink planted where the partial goes (${what})`, async () => {
      const src = await randomFile(f.tmp, `sym-src-${size}.bin`, size);
      const key = `artifacts/sym-${size}.bin`;
      await f.storage.uploadFile(src.path, key);
      const victim = join(f.tmp, `victim-${size}.bin`);
      const planted = Buffer.alloc(size, 0x41);
      await writeFile(victim, planted);
      const dest = join(f.tmp, `sym-out-${size}`, 'out.bin');
      await mkdir(join(f.tmp, `sym-out-${size}`), { recursive: true });
      await mkdir(join(f.home, 'staging'), { recursive: true, mode: 0o700 });
      const staged = stagedPaths(join(f.home, 'staging'), dest);
      for (const p of [`${dest}.part`, staged.part]) await symlink(victim, p);
      await f.storage.downloadFile(key, dest, partSize ? { partSize } : {});
      expect((await lstat(dest)).isFile(), 'the result is a regular file, not the planted link').toBe(true);
      expect((await readFile(dest)).equals(src.data), 'the result is the object').toBe(true);
      expect((await readFile(victim)).equals(planted), 'the symlink target is untouched').toBe(true);
    });
  }
});
