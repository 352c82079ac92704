import { writeFileSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyArtifacts } from '../../../main/core/artifacts';
import { keys } from '../../../main/core/keys';
import { stagedPaths } from '../../../main/core/staged-file';
import { collidingTree, readTree, treeDifferences } from '../../helpers/colliding-artifacts';
import { MiB, randomFile, useGcs } from './setup';

const f = useGcs();
const up = { threshold: 2 * MiB, chunkSize: MiB };

function counts(): Record<string, number> {
  const out = Object.fromEntries(f.gcs.counts);
  f.gcs.counts.clear();
  return out;
}

describe('GCS transfers against the stand-in', () => {
  it('uploads a large file in a resumable session and downloads it with ranged GETs', async () => {
    const src = await randomFile(f.tmp, 'big.bin', 5 * MiB + 123);
    counts();
    const seen: number[] = [];
    await f.storage.uploadFile(src.path, 'artifacts/big.bin', { ...up, onProgress: (p) => seen.push(p.bytes) });
    expect(counts()).toEqual({ 'upload-start': 1, 'upload-chunk': 6 });
    expect(seen.at(-1)).toBe(src.data.length);
    const dest = join(f.tmp, 'out', 'big.bin');
    await f.storage.downloadFile('artifacts/big.bin', dest, { partSize: MiB, concurrency: 3 });
    expect(counts()).toEqual({ 'get-metadata': 1, 'get-range': 6 });
    expect((await readFile(dest)).equals(src.data)).toBe(true);
    expect(await readdir(join(f.tmp, 'out'))).toEqual(['big.bin']);
  });

  it('sends a small file in one multipart request and fetches it in one GET', async () => {
    const src = await randomFile(f.tmp, 'small.bin', 70_000);
    counts();
    await f.storage.uploadFile(src.path, 'artifacts/small.bin', up);
    const dest = join(f.tmp, 'small-out.bin');
    await f.storage.downloadFile('artifacts/small.bin', dest);
    expect(counts()).toEqual({ 'upload-multipart': 1, 'get-metadata': 1, 'get-range': 1 });
    expect((await readFile(dest)).equals(src.data)).toBe(true);
  });

  it('round-trips an empty file, even with a threshold of 0', async () => {
    const src = await randomFile(f.tmp, 'empty.bin', 0);
    await f.storage.uploadFile(src.path, 'artifacts/empty.bin', { threshold: 0 });
    const dest = join(f.tmp, 'empty-out', 'empty.bin');
    await f.storage.downloadFile('artifacts/empty.bin', dest);
    expect((await readFile(dest)).length).toBe(0);
  });

  it('trusts a listing for the first try: one GET per small file, still verified, and a stale entry starts over', async () => {
    const src = await randomFile(f.tmp, 'listed.bin', 70_000);
    await f.storage.uploadFile(src.path, 'listed/a.bin', up);
    const [listed] = (await f.storage.list('listed/')).objects;
    counts();
    await f.storage.downloadFile('listed/a.bin', join(f.tmp, 'listed-out', 'a.bin'), { listed });
    expect(counts()).toEqual({ 'get-range': 1 });
    expect((await readFile(join(f.tmp, 'listed-out', 'a.bin'))).equals(src.data)).toBe(true);

    const stored = f.gcs.objects.get('listed/a.bin')!.data;
    stored[7] = stored[7]! ^ 0xff;
    const err = await f.storage.downloadFile('listed/a.bin', join(f.tmp, 'listed-out', 'bad.bin'), { listed }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'verification' });

    const v2 = await randomFile(f.tmp, 'listed-v2.bin', 80_000);
    await f.storage.uploadFile(v2.path, 'listed/a.bin', up);
    counts();
    await f.storage.downloadFile('listed/a.bin', join(f.tmp, 'listed-out', 'a.bin'), { listed });
    expect(counts()).toEqual({ 'get-range': 2, 'get-metadata': 1 });
    expect((await readFile(join(f.tmp, 'listed-out', 'a.bin'))).equals(v2.data)).toBe(true);
    await f.storage.delete(['listed/a.bin']);
    await expect(f.storage.downloadFile('listed/a.bin', join(f.tmp, 'listed-out', 'c.bin'), { listed })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('goes on from where the session stopped when a chunk is dropped', async () => {
    const src = await randomFile(f.tmp, 'dropped.bin', 4 * MiB);
    let dropped = 0;
    f.gcs.fault = (req) => (req.query.get('upload_id') && req.headers['content-range'] === `bytes ${2 * MiB}-${3 * MiB - 1}/${4 * MiB}` && dropped++ === 0 ? 'drop' : undefined);
    try {
      counts();
      await f.storage.uploadFile(src.path, 'artifacts/dropped.bin', up);
    } finally {
      f.gcs.fault = undefined;
    }
    expect(dropped, 'the chunk at 2 MiB was dropped once').toBeGreaterThan(0);
    // 4 chunks, the dropped one, and one status query that said 2 MiB were kept.
    expect(counts()).toEqual({ 'upload-start': 1, 'upload-chunk': 5 });
    expect(f.gcs.objects.get('artifacts/dropped.bin')!.data.equals(src.data)).toBe(true);
  });

  it('resumes a download cut off halfway without refetching finished parts', async () => {
    const src = await randomFile(f.tmp, 'resume.bin', 8 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/resume.bin', up);
    const dest = join(f.tmp, 'resume-out.bin');
    const ac = new AbortController();
    const opts = { partSize: MiB, concurrency: 2 };
    const err = await f.storage
      .downloadFile('artifacts/resume.bin', dest, { ...opts, signal: ac.signal, onProgress: (p) => p.bytes >= p.total / 2 && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled' });
    await expect(stat(dest)).rejects.toThrow();
    const journal = stagedPaths(join(f.home, 'staging'), dest).journal;
    const done = Object.keys((JSON.parse(await readFile(journal, 'utf8')) as { parts: object }).parts).length;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(8);
    counts();
    let first = -1;
    await f.storage.downloadFile('artifacts/resume.bin', dest, { ...opts, onProgress: (p) => (first = first < 0 ? p.bytes : first) });
    expect(first).toBe(done * MiB);
    expect(counts()['get-range']).toBe(8 - done);
    expect((await readFile(dest)).equals(src.data)).toBe(true);
    await expect(stat(journal)).rejects.toThrow();
  });

  it('keeps what arrived when the connection drops mid-part, and the next call finishes it', async () => {
    const src = await randomFile(f.tmp, 'cut.bin', 4 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/cut.bin', up);
    const dest = join(f.tmp, 'cut-out.bin');
    // Every GET of the third part is cut off, so the retries fail too and the download stops.
    f.gcs.fault = (req) => (req.headers.range === `bytes=${2 * MiB}-${3 * MiB - 1}` ? { cutAfter: 1000 } : undefined);
    const err = await f.storage.downloadFile('artifacts/cut.bin', dest, { partSize: MiB, concurrency: 1 }).catch((e: unknown) => e);
    f.gcs.fault = undefined;
    expect(err).toMatchObject({ code: 'unavailable' });
    counts();
    await f.storage.downloadFile('artifacts/cut.bin', dest, { partSize: MiB, concurrency: 1 });
    expect(counts()['get-range']).toBe(2);
    expect((await readFile(dest)).equals(src.data)).toBe(true);
  });

  it('starts over when the object was rewritten since the partial was made', async () => {
    const v1 = await randomFile(f.tmp, 'changing-v1.bin', 4 * MiB);
    await f.storage.uploadFile(v1.path, 'artifacts/changing.bin', up);
    const dest = join(f.tmp, 'changing-out.bin');
    const ac = new AbortController();
    await f.storage
      .downloadFile('artifacts/changing.bin', dest, { partSize: MiB, concurrency: 1, signal: ac.signal, onProgress: (p) => p.bytes >= 2 * MiB && ac.abort() })
      .catch(() => undefined);
    const v2 = await randomFile(f.tmp, 'changing-v2.bin', 4 * MiB);
    await f.storage.uploadFile(v2.path, 'artifacts/changing.bin', up);
    counts();
    await f.storage.downloadFile('artifacts/changing.bin', dest, { partSize: MiB });
    expect(counts()['get-range']).toBe(4);
    expect((await readFile(dest)).equals(v2.data)).toBe(true);
  });

  it('starts over when the object is rewritten mid-download, never splicing two versions', async () => {
    const v1 = await randomFile(f.tmp, 'mid-v1.bin', 4 * MiB);
    await f.storage.uploadFile(v1.path, 'artifacts/mid.bin', up);
    const v2 = await randomFile(f.tmp, 'mid-v2.bin', 4 * MiB);
    let rewritten = false;
    // Another client replaces the object just before the third part is asked for.
    f.gcs.fault = (req) => {
      if (!rewritten && req.headers.range === `bytes=${2 * MiB}-${3 * MiB - 1}`) {
        rewritten = true;
        f.gcs.write('artifacts/mid.bin', v2.data);
      }
      return undefined;
    };
    const dest = join(f.tmp, 'mid-out.bin');
    try {
      await f.storage.downloadFile('artifacts/mid.bin', dest, { partSize: MiB, concurrency: 1 });
    } finally {
      f.gcs.fault = undefined;
    }
    expect(rewritten).toBe(true);
    expect((await readFile(dest)).equals(v2.data), 'the file is the new version, whole').toBe(true);
  });

  it('refuses a download whose bytes do not match the MD5 Cloud Storage keeps, and leaves no file', async () => {
    const src = await randomFile(f.tmp, 'tampered.bin', 3 * MiB);
    await f.storage.uploadFile(src.path, 'artifacts/tampered.bin', up);
    // Damage the stored bytes but keep the generation and hashes, as a bad disk or a faulty proxy would.
    const stored = f.gcs.objects.get('artifacts/tampered.bin')!.data;
    stored[MiB + 5] = stored[MiB + 5]! ^ 0xff;
    const dest = join(f.tmp, 'tampered-out.bin');
    const err = await f.storage.downloadFile('artifacts/tampered.bin', dest, { partSize: MiB }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'verification', message: expect.stringContaining("its MD5 does not match the source's") });
    await expect(stat(dest)).rejects.toThrow();
  });

  it('checks a composite object, which has no MD5, against its CRC-32C, from a listing as from its metadata', async () => {
    const src = await randomFile(f.tmp, 'composite.bin', 3 * MiB + 17);
    await f.storage.uploadFile(src.path, 'artifacts/composite.bin', up);
    const stored = f.gcs.objects.get('artifacts/composite.bin')!;
    delete stored.md5Hash;
    stored.data[2 * MiB + 9] = stored.data[2 * MiB + 9]! ^ 0x10;
    const [listed] = (await f.storage.list('artifacts/composite.bin')).objects;
    counts();
    const dest = join(f.tmp, 'composite-out.bin');
    const err = await f.storage.downloadFile('artifacts/composite.bin', dest, { partSize: MiB, listed }).catch((e: unknown) => e);
    expect(counts(), 'the hash came with the ranged GETs').toEqual({ 'get-range': 4 });
    expect(err).toMatchObject({ code: 'verification', message: expect.stringContaining("its CRC-32C does not match the source's") });
    await expect(stat(dest)).rejects.toThrow(/ENOENT/);
    stored.data[2 * MiB + 9] = stored.data[2 * MiB + 9]! ^ 0x10;
    await f.storage.downloadFile('artifacts/composite.bin', dest, { partSize: MiB });
    expect((await readFile(dest)).equals(src.data), 'the intact object lands byte for byte').toBe(true);
  });

  it('refuses to finish an upload whose file changed after it was hashed', async () => {
    const src = await randomFile(f.tmp, 'moving.bin', 3 * MiB);
    let changed = false;
    // Rewritten in place (same size) once the first chunk is in, before the second is read.
    const onProgress = (p: { bytes: number }) => p.bytes >= MiB && !changed && ((changed = true), writeFileSync(src.path, Buffer.alloc(3 * MiB, 7)));
    const err = await f.storage.uploadFile(src.path, 'artifacts/moving.bin', { ...up, onProgress }).catch((e: unknown) => e);
    expect(changed).toBe(true);
    expect(err).toMatchObject({ code: 'verification', message: expect.stringContaining('changed while it was being uploaded') });
    expect(f.gcs.objects.has('artifacts/moving.bin')).toBe(false);
  });
});

describe('GCS downloads keep partial files out of the artifacts', () => {
  const REPO = 'proj-0123abcd';
  const JOB = 'odd-hawk-1,train,0';
  const prefix = keys.artifactsPrefix(REPO, JOB);

  it('copies a folder holding p1, p1.part, big.part.json… byte for byte (copyArtifacts, as `dstack cp`)', async () => {
    const files = collidingTree(4);
    for (const [rel, data] of files) await f.storage.put(prefix + rel, data);
    const big = await randomFile(f.tmp, 'big-src.bin', 5 * MiB + 5);
    await f.storage.uploadFile(big.path, `${prefix}big.bin`, up);
    files.set('big.bin', big.data);
    for (const name of ['big.bin.part', 'big.bin.part.json']) {
      const data = Buffer.from(name);
      await f.storage.put(prefix + name, data);
      files.set(name, data);
    }
    const out = join(f.tmp, 'copy-out');
    const copied = await copyArtifacts(f.storage, REPO, JOB, '', out);
    expect(treeDifferences(files, await readTree(out))).toEqual([]);
    expect(copied.files).toBe(files.size);
  });

  it('never reads, follows or writes through a symlink planted where the partial goes', async () => {
    const size = 3 * MiB;
    const src = await randomFile(f.tmp, 'sym-src.bin', size);
    await f.storage.uploadFile(src.path, 'artifacts/sym.bin', up);
    const victim = join(f.tmp, 'victim.bin');
    const planted = Buffer.alloc(size, 0x41);
    await writeFile(victim, planted);
    await mkdir(join(f.tmp, 'sym-out'), { recursive: true });
    const dest = join(f.tmp, 'sym-out', 'out.bin');
    await mkdir(join(f.home, 'staging'), { recursive: true, mode: 0o700 });
    const staged = stagedPaths(join(f.home, 'staging'), dest);
    for (const p of [`${dest}.part`, staged.part]) await symlink(victim, p);
    await f.storage.downloadFile('artifacts/sym.bin', dest, { partSize: MiB });
    expect((await lstat(dest)).isFile(), 'the result is a regular file, not the planted link').toBe(true);
    expect((await readFile(dest)).equals(src.data), 'the result is the object').toBe(true);
    expect((await readFile(victim)).equals(planted), 'the symlink target is untouched').toBe(true);
  });
});
