import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListPage, Storage } from '../../../main/core/backend';
import { CancelledError, DstackError, InvalidArgumentError, NotFoundError } from '../../../main/common/errors';
import { LocalStorage } from '../../../main/backends/local/storage';
import { LOCAL_PART_SIZE } from '../../../main/backends/local/download';

let dir: string;
let root: string;
let storage: LocalStorage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-storage-'));
  root = join(dir, 'storage');
  storage = new LocalStorage(root);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Every page of a listing, following `next` tokens. */
async function listAll(s: Storage, prefix: string, opts: { delimiter?: string; limit?: number } = {}): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  let token: string | undefined;
  do {
    const page = await s.list(prefix, { ...opts, token });
    pages.push(page);
    token = page.next;
  } while (token);
  return pages;
}

/** Files anywhere under a folder, as relative paths: shows temp files a listing would hide. */
async function filesUnder(d: string): Promise<string[]> {
  const out = await readdir(d, { recursive: true, withFileTypes: true });
  return out.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(d.length + 1));
}

describe('LocalStorage objects', () => {
  it('stores, reads, describes and deletes an object under a key with / ; , and .', async () => {
    const key = 'jobs/me/l;brave-fox-1,hello,0;running;1700000000000';
    await storage.put(key, 'body');
    expect((await storage.get(key))?.toString()).toBe('body');
    const info = await storage.head(key);
    expect(info).toMatchObject({ key, size: 4 });
    expect(info?.etag).toMatch(/^4-[0-9a-f]+$/);
    expect(await readFile(join(root, 'jobs', 'me', 'l;brave-fox-1,hello,0;running;1700000000000'), 'utf8')).toBe('body');
    await storage.delete([key, 'jobs/me/never-existed.json']);
    expect(await storage.get(key)).toBeUndefined();
    expect(await storage.head(key)).toBeUndefined();
  });

  it('changes the etag when an object is rewritten, and keeps it while unchanged', async () => {
    await storage.put('a/x', 'one');
    const first = (await storage.head('a/x'))?.etag;
    expect((await storage.head('a/x'))?.etag).toBe(first);
    await storage.put('a/x', 'two');
    expect((await storage.head('a/x'))?.etag).not.toBe(first);
  });

  it('removes folders a delete leaves empty, but not folders that still hold objects', async () => {
    await storage.put('artifacts/r/j/out/deep/a.txt', 'a');
    await storage.put('artifacts/r/j/b.txt', 'b');
    await storage.delete(['artifacts/r/j/out/deep/a.txt']);
    await expect(stat(join(root, 'artifacts/r/j/out'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await filesUnder(root)).toEqual([join('artifacts', 'r', 'j', 'b.txt')]);
    await storage.delete(['artifacts/r/j/b.txt']);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses keys that cannot map to one file, naming the key', async () => {
    for (const key of ['', 'a//b', '/a', 'a/', '../escape', 'a/./b', 'a\\b', 'x/.dstack-tmp-1']) {
      await expect(storage.put(key, 'x')).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(storage.put('../escape', 'x')).rejects.toThrow('The storage key "../escape" has a ".." segment.');
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('reports a key that would be both a file and a folder as a conflict', async () => {
    await storage.put('a/b', 'file');
    const err = await storage.put('a/b/c', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DstackError);
    expect((err as DstackError).code).toBe('conflict');
    expect((await storage.get('a/b'))?.toString()).toBe('file');
    expect(await storage.get('a')).toBeUndefined();
  });
});

describe('LocalStorage listing', () => {
  it('pages through 2,500 keys in byte order, 1,000 at a time, with no key twice', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `jobs/r/l;run-${i},w,0;done;${1_700_000_000_000 + i}`);
    await Promise.all(keys.map((k) => storage.put(k, '')));
    const pages = await listAll(storage, 'jobs/r/l;');
    expect(pages.map((p) => p.objects.length)).toEqual([1000, 1000, 500]);
    expect(pages[2]?.next).toBeUndefined();
    const listed = pages.flatMap((p) => p.objects.map((o) => o.key));
    expect(listed).toEqual([...keys].sort(byteOrder));
    expect(new Set(listed).size).toBe(2500);
  });

  it('caps the page size at 1,000 and honours a smaller limit', async () => {
    await Promise.all(Array.from({ length: 1005 }, (_, i) => storage.put(`k/${String(i).padStart(4, '0')}`, '')));
    expect((await storage.list('k/', { limit: 5000 })).objects).toHaveLength(1000);
    const small = await storage.list('k/', { limit: 3 });
    expect(small.objects.map((o) => o.key)).toEqual(['k/0000', 'k/0001', 'k/0002']);
    const next = await storage.list('k/', { limit: 3, token: small.next });
    expect(next.objects.map((o) => o.key)).toEqual(['k/0003', 'k/0004', 'k/0005']);
  });

  it('lists in S3 byte order across files and folders', async () => {
    const keys = ['a/x', 'a.b', 'a-c', 'a0', 'B', 'a/y/z', 'é', 'z', 'ab'];
    for (const k of keys) await storage.put(k, k);
    const [page] = await listAll(storage, '');
    // "a.b" and "a-c" sort before "a/x" because "." and "-" are below "/" in ASCII.
    expect(page?.objects.map((o) => o.key)).toEqual(['B', 'a-c', 'a.b', 'a/x', 'a/y/z', 'a0', 'ab', 'z', 'é']);
  });

  it('matches a prefix that ends in the middle of a name', async () => {
    await storage.put('jobs/r/run-1,w,0.json', '{}');
    await storage.put('jobs/r/l;run-1,w,0;running;1', '');
    await storage.put('jobs/r/l;run-2,w,0;done;2', '');
    await storage.put('jobs/r2/l;run-3,w,0;done;3', '');
    const heads = await storage.list('jobs/r/l;');
    expect(heads.objects.map((o) => o.key)).toEqual(['jobs/r/l;run-1,w,0;running;1', 'jobs/r/l;run-2,w,0;done;2']);
    expect((await storage.list('jobs/r/l;run-2')).objects.map((o) => o.key)).toEqual(['jobs/r/l;run-2,w,0;done;2']);
    expect((await storage.list('jobs/nobody/l;')).objects).toEqual([]);
    expect((await storage.list('jobs/r')).objects.map((o) => o.key)).toHaveLength(4);
  });

  it('groups keys into common prefixes with the / delimiter, across pages', async () => {
    for (const k of ['out/a.txt', 'out/sub/b.txt', 'out/sub/c.txt', 'top.txt', 'zz/deep/d.txt', 'out-file']) {
      await storage.put(`artifacts/r/j/${k}`, k);
    }
    const whole = await storage.list('artifacts/r/j/', { delimiter: '/' });
    expect(whole.objects.map((o) => o.key)).toEqual(['artifacts/r/j/out-file', 'artifacts/r/j/top.txt']);
    expect(whole.prefixes).toEqual(['artifacts/r/j/out/', 'artifacts/r/j/zz/']);
    const pages = await listAll(storage, 'artifacts/r/j/', { delimiter: '/', limit: 1 });
    expect(pages.map((p) => [...p.objects.map((o) => o.key), ...p.prefixes])).toEqual([
      ['artifacts/r/j/out-file'],
      ['artifacts/r/j/out/'],
      ['artifacts/r/j/top.txt'],
      ['artifacts/r/j/zz/'],
    ]);
    const sub = await storage.list('artifacts/r/j/out/', { delimiter: '/' });
    expect(sub.objects.map((o) => o.key)).toEqual(['artifacts/r/j/out/a.txt']);
    expect(sub.prefixes).toEqual(['artifacts/r/j/out/sub/']);
  });

  it('groups by any delimiter, as S3 does', async () => {
    for (const k of ['l;a;running;1', 'l;a;x;2', 'l;b;done;3', 'other']) await storage.put(`jobs/r/${k}`, '');
    const pages = await listAll(storage, 'jobs/r/l;', { delimiter: ';', limit: 1 });
    expect(pages.flatMap((p) => p.prefixes)).toEqual(['jobs/r/l;a;', 'jobs/r/l;b;']);
    expect(pages.flatMap((p) => p.objects)).toEqual([]);
  });

  it('never lists temporary files, nor folders holding only them', async () => {
    await storage.put('a/x', 'x');
    await writeFile(join(root, 'a', '.dstack-tmp-123-abc'), 'half');
    await writeFile(join(root, '.dstack-tmp-9-zz'), 'half');
    await rm(join(root, 'a', 'x'));
    await storage.put('b/y', 'y');
    expect((await storage.list('')).objects.map((o) => o.key)).toEqual(['b/y']);
    expect((await storage.list('', { delimiter: '/' })).prefixes).toEqual(['b/']);
  });

  it('rejects a token it did not issue', async () => {
    await expect(storage.list('', { token: 'garbage!' })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('LocalStorage writes are atomic', () => {
  it('never shows a reader a half-written object while it is rewritten', async () => {
    const size = 4 << 20;
    const versions = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
    await storage.put('big', versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 20; i++) await storage.put('big', versions[i % 2]!);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await storage.get('big');
      expect(got?.length).toBe(size);
      expect(got?.equals(versions[0]!) || got?.equals(versions[1]!)).toBe(true);
      expect((await storage.list('')).objects.map((o) => o.key)).toEqual(['big']);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect(await filesUnder(root)).toEqual(['big']);
  });

  it('keeps the previous object when an upload is aborted, and leaves no temporary file', async () => {
    await storage.put('data/file.bin', 'previous');
    const src = join(dir, 'src.bin');
    await writeFile(src, Buffer.alloc(8 << 20, 7));
    const ac = new AbortController();
    const seen: number[] = [];
    const err = await storage
      .uploadFile(src, 'data/file.bin', {
        signal: ac.signal,
        onProgress: (p) => {
          seen.push(p.bytes);
          if (p.bytes > 0) ac.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(seen.at(-1)).toBeLessThan(8 << 20);
    expect((await storage.get('data/file.bin'))?.toString()).toBe('previous');
    expect(await filesUnder(root)).toEqual([join('data', 'file.bin')]);
  });

  it('uploads a file whole, reporting progress up to its size', async () => {
    const src = join(dir, 'src.bin');
    const body = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => i % 251));
    await writeFile(src, body);
    const seen: { bytes: number; total: number }[] = [];
    await storage.uploadFile(src, 'artifacts/r/j/model.bin', { onProgress: (p) => seen.push(p) });
    expect((await storage.get('artifacts/r/j/model.bin'))?.equals(body)).toBe(true);
    expect(seen.at(-1)).toEqual({ bytes: body.length, total: body.length });
    await expect(storage.uploadFile(join(dir, 'missing'), 'k')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('LocalStorage downloads', () => {
  it('downloads through a staged partial and resumes its finished parts after an abort', async () => {
    const body = Buffer.from(Array.from({ length: 20 << 20 }, (_, i) => (i * 7) % 256));
    await storage.put('artifacts/r/j/big.bin', body);
    // The destination folder does not exist yet: the download creates it.
    const dest = join(dir, 'out', 'big.bin');
    const ac = new AbortController();
    const err = await storage
      .downloadFile('artifacts/r/j/big.bin', dest, { signal: ac.signal, onProgress: (p) => p.bytes >= 10 << 20 && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    await expect(stat(dest)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(join(dir, 'out'))).toEqual([]);

    const seen: number[] = [];
    await storage.downloadFile('artifacts/r/j/big.bin', dest, { onProgress: (p) => seen.push(p.bytes) });
    // The first 8 MiB part was finished and is reused; the second was cut and is copied again.
    expect(seen[0]).toBe(LOCAL_PART_SIZE);
    expect((await readFile(dest)).equals(body)).toBe(true);
    expect(await readdir(join(dir, 'staging'))).toEqual([]);
  });

  it('ignores a .part beside the target, which it did not make', async () => {
    const dest = join(dir, 'f.txt');
    await writeFile(`${dest}.part`, 'stale-');
    await storage.put('f', 'fresh content');
    await storage.downloadFile('f', dest);
    expect(await readFile(dest, 'utf8')).toBe('fresh content');
    expect(await readFile(`${dest}.part`, 'utf8')).toBe('stale-');
  });

  it('names a missing object', async () => {
    await expect(storage.downloadFile('nope/x', join(dir, 'x'))).rejects.toThrow('The object "nope/x" does not exist.');
    await storage.put('folder/inside', 'x');
    await expect(storage.downloadFile('folder', join(dir, 'x'))).rejects.toBeInstanceOf(NotFoundError);
  });
});
