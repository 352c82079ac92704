import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyToPath } from '../../../main/backends/local/key-path';
import { LocalStorage } from '../../../main/backends/local/storage';
import { copyArtifacts } from '../../../main/core/artifacts';
import { keys } from '../../../main/core/keys';
import { stagedPaths } from '../../../main/core/staged-file';
import { downloadTree } from '../../../main/core/tree-transfer';
import { planZip, zipStream } from '../../../main/server/zip-stream';
import { DragCache } from '../../../main/service/drag-cache';
import { collidingTree, readTree, treeDifferences } from '../../helpers/colliding-artifacts';
import { unzipAll } from '../../helpers/unzip';

const MiB = 1024 * 1024;
const REPO = 'proj-0123abcd';
const JOB = 'odd-hawk-1,train,0';
const prefix = keys.artifactsPrefix(REPO, JOB);

let dir: string;
let home: string;
let storage: LocalStorage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-staging-'));
  home = join(dir, 'home');
  storage = new LocalStorage(join(home, 'local', 'storage'), home);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function putTree(files: Map<string, Buffer>): Promise<void> {
  // In order, so each `X.part` object is newer than `X`: what made the old resume take it for a partial of `X`.
  for (const [rel, data] of files) await storage.put(prefix + rel, data);
}

/** The places a partial for `dest` has lived: beside it (before), or in the private staging folder (now). */
function partialPaths(dest: string): string[] {
  return [`${dest}.part`, stagedPaths(join(home, 'staging'), dest).part];
}

describe('local downloads keep partial files out of the artifacts', () => {
  it('copies a folder holding p1, p1.part, p1.part.part… byte for byte (copyArtifacts, as `dstack cp`)', async () => {
    const files = collidingTree();
    await putTree(files);
    const out = join(dir, 'out');
    const copied = await copyArtifacts(storage, REPO, JOB, '', out);
    expect(treeDifferences(files, await readTree(out))).toEqual([]);
    expect(copied.files).toBe(files.size);
  });

  it('fills the drag cache and zips it byte for byte, from a folder holding p1 and p1.part', async () => {
    const files = collidingTree(5);
    await putTree(files);
    const cache = new DragCache(join(home, 'app', 'drag-cache'), home);
    await cache.fill('item1', 'arts', (target, keep) => downloadTree(storage, prefix, target, { keep }), true);
    const cached = await cache.resolveCachedPath('item1', 'arts', true);
    expect(treeDifferences(files, await readTree(cached))).toEqual([]);
    const zip = join(dir, 'arts.zip');
    await pipeline(zipStream(await planZip(cached)), createWriteStream(zip));
    expect(treeDifferences(files, unzipAll(zip))).toEqual([]);
  });

  it('resumes a partial whose first MiB was zeroed, and the result is the object byte for byte', async () => {
    const data = Buffer.from(Array.from({ length: 20 * MiB }, (_, i) => (i * 7 + 3) & 0xff));
    await storage.put('big.bin', data);
    const dest = join(dir, 'dl', 'big.bin');
    const ac = new AbortController();
    const err = await storage
      .downloadFile('big.bin', dest, { signal: ac.signal, onProgress: (p) => p.bytes >= 12 * MiB && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    let zeroed = 0;
    for (const p of partialPaths(dest)) {
      const fh = await open(p, 'r+').catch(() => undefined);
      if (!fh) continue;
      await fh.write(Buffer.alloc(MiB), 0, MiB, 0);
      await fh.close();
      zeroed++;
    }
    expect(zeroed, `one partial at ${partialPaths(dest).join(' or ')}`).toBe(1);
    await storage.downloadFile('big.bin', dest);
    const got = await readFile(dest);
    expect(got.length).toBe(data.length);
    expect(got.equals(data), 'downloaded bytes equal the object').toBe(true);
  });

  it('never reads, follows or writes through a symlink planted where the partial goes', async () => {
    const data = Buffer.from(Array.from({ length: 3 * MiB }, (_, i) => (i * 13) & 0xff));
    await storage.put('secret-free.bin', data);
    const victim = join(dir, 'victim.bin');
    const planted = Buffer.alloc(data.length, 0x41);
    await writeFile(victim, planted);
    const dest = join(dir, 'dl', 'out.bin');
    await mkdir(join(dir, 'dl'), { recursive: true });
    await mkdir(join(home, 'staging'), { recursive: true, mode: 0o700 });
    // Both places, with a journal that would vouch for the victim if the symlink were followed.
    const object = await stat(keyToPath(storage.root, 'secret-free.bin'), { bigint: true });
    const v = await stat(victim);
    const staged = stagedPaths(join(home, 'staging'), dest);
    const part = 8 * MiB;
    const crc = crc32(planted).toString(16).padStart(8, '0');
    await writeFile(staged.journal, JSON.stringify({
      version: 2,
      dest: resolve(dest),
      source: { key: 'secret-free.bin', size: data.length, etag: `${object.size.toString(16)}-${object.mtimeNs.toString(16)}`, partSize: part, partHash: 'crc32' },
      dev: v.dev,
      ino: v.ino,
      parts: { 0: crc },
    }));
    for (const p of partialPaths(dest)) await symlink(victim, p);
    await storage.downloadFile('secret-free.bin', dest);
    expect((await lstat(dest)).isFile(), 'the result is a regular file, not the planted link').toBe(true);
    expect((await readFile(dest)).equals(data), 'the result is the object').toBe(true);
    expect((await readFile(victim)).equals(planted), 'the symlink target is untouched').toBe(true);
  });

  it('never fills, keeps or renames a .partial folder it did not make', async () => {
    const files = collidingTree(1);
    await putTree(files);
    const cache = new DragCache(join(home, 'app', 'drag-cache'), home);
    // Someone else's folder where the fill would resume, holding a file of the right size and other bytes.
    const foreign = join(home, 'app', 'drag-cache', 'item2', 'arts.partial');
    const planted = Buffer.alloc(files.get('g0/p1')!.length, 0x42);
    await mkdir(join(foreign, 'g0'), { recursive: true });
    await writeFile(join(foreign, 'g0', 'p1'), planted);
    const err = await cache
      .fill('item2', 'arts', (target, keep) => downloadTree(storage, prefix, target, { keep }), true)
      .catch((e: unknown) => e);
    const arts = join(home, 'app', 'drag-cache', 'item2', 'arts');
    const got = await readTree(arts).catch(() => new Map<string, Buffer>());
    // Either refused, leaving the folder as it was, or (never) a copy made of the planted bytes.
    expect(treeDifferences(files, got).filter((d) => d.startsWith('wrong')), 'no file of the copy comes from the foreign folder').toEqual([]);
    expect(err).toMatchObject({ code: 'conflict', message: `${foreign} already exists, and this download did not make it.` });
    expect(await readFile(join(foreign, 'g0', 'p1'))).toEqual(planted);
  });

  it('stages in a folder only this user can enter, and refuses a staging folder that is a symlink', async () => {
    await storage.put('x.bin', 'x');
    await mkdir(join(home, 'staging'), { recursive: true, mode: 0o755 });
    await chmod(join(home, 'staging'), 0o755);
    await storage.downloadFile('x.bin', join(dir, 'a', 'x.bin'));
    expect((await stat(join(home, 'staging'))).mode & 0o777).toBe(0o700);

    const other = new LocalStorage(join(home, 'local', 'storage'), join(dir, 'home2'));
    await mkdir(join(dir, 'home2'));
    await mkdir(join(dir, 'elsewhere'));
    await symlink(join(dir, 'elsewhere'), join(dir, 'home2', 'staging'));
    const err = await other.downloadFile('x.bin', join(dir, 'b', 'x.bin')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'permission', message: `${join(dir, 'home2', 'staging')} is not a folder of yours, so downloads cannot keep their partial files there.` });
  });
});
