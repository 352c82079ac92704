import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SWEEP, DragCache, sweepLimitsFrom } from '../../../main/service/drag-cache';

let dir: string;
let cache: DragCache;

async function entry(id: string, bytes: number, ageMs: number): Promise<void> {
  const file = cache.pathFor(id, 'f.bin');
  await mkdir(join(dir, id), { recursive: true });
  await writeFile(file, Buffer.alloc(bytes));
  const t = new Date(Date.now() - ageMs);
  await utimes(file, t, t);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-cache-'));
  cache = new DragCache(dir, `${dir}-home`);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}-home`, { recursive: true, force: true });
});

describe('the drag cache', () => {
  it('keeps a file name inside the item folder, whatever the name says', () => {
    expect(cache.pathFor('abc', '../../x')).toBe(join(dir, 'abc', '.._.._x'));
    expect(cache.pathFor('abc', '..')).toBe(join(dir, 'abc', 'artifact'));
    expect(() => cache.pathFor('../abc', 'x')).toThrow(/Invalid item id/);
  });

  it('sweeps entries older than the age limit', async () => {
    await entry('old', 10, 10 * 24 * 3600_000);
    await entry('new', 10, 1000);
    const out = await cache.sweep({ maxAgeMs: 7 * 24 * 3600_000, maxBytes: 1e9 });
    expect(out.removed).toBe(1);
    expect(await readdir(dir)).toEqual(['new']);
  });

  it('sweeps the least recently filled entries until the total fits', async () => {
    await entry('a', 400, 3000);
    await entry('b', 400, 2000);
    await entry('c', 400, 1000);
    const out = await cache.sweep({ maxAgeMs: 1e12, maxBytes: 900 });
    expect(out).toEqual({ removed: 1, bytes: 800 });
    expect((await readdir(dir)).sort()).toEqual(['b', 'c']);
  });

  it('puts a folder at its path only once its fill completes, and resumes a failed fill from .partial', async () => {
    const fail = cache.fill('dir', 'ckpt', async (target) => {
      await mkdir(target, { recursive: true });
      await writeFile(join(target, 'one.bin'), 'first');
      throw new Error('network gone');
    }, true);
    await expect(fail).rejects.toThrow('network gone');
    expect(await cache.isCached('dir', 'ckpt', true)).toBe(false);
    expect(await readdir(join(dir, 'dir'))).toEqual(['ckpt.partial']);
    await cache.fill('dir', 'ckpt', async (target) => {
      expect(await readdir(target)).toEqual(['one.bin']);
      await writeFile(join(target, 'two.bin'), 'second');
    }, true);
    expect(await cache.isCached('dir', 'ckpt', true)).toBe(true);
    expect(await cache.isCached('dir', 'ckpt')).toBe(false);
    expect((await readdir(join(dir, 'dir', 'ckpt'))).sort()).toEqual(['one.bin', 'two.bin']);
    expect(await readdir(join(dir, 'dir'))).toEqual(['ckpt']);
  });

  it('leaves an entry alone while it is being filled', async () => {
    let swept: unknown;
    await cache.fill('busy', 'f.bin', async (target) => {
      await writeFile(target, Buffer.alloc(100));
      swept = await cache.sweep({ maxAgeMs: 0, maxBytes: 0 });
    });
    expect(swept).toEqual({ removed: 0, bytes: 0 });
    expect(await cache.isCached('busy', 'f.bin')).toBe(true);
  });

  it('evicts the least recently used entry: a drag counts as a use', async () => {
    await entry('a', 400, 3000);
    await entry('b', 400, 2000);
    await entry('c', 400, 1000);
    await cache.resolveCachedPath('a', 'f.bin');
    const out = await cache.sweep({ maxAgeMs: 1e12, maxBytes: 900 });
    expect(out).toEqual({ removed: 1, bytes: 800 });
    expect((await readdir(dir)).sort()).toEqual(['a', 'c']);
  });

  it('reports its size and cap, and clears everything for Settings', async () => {
    const capped = new DragCache(dir, `${dir}-home`, sweepLimitsFrom({ DSTACK_DRAG_CACHE_MAX_MB: '1' }));
    await entry('a', 400, 3000);
    await entry('b', 600, 1000);
    expect(await capped.usage()).toEqual({ bytes: 1000, entries: 2, maxBytes: 1024 ** 2 });
    expect(await capped.clear()).toEqual({ freedBytes: 1000, bytes: 0 });
    expect(await readdir(dir)).toEqual([]);
    expect(sweepLimitsFrom({})).toEqual(DEFAULT_SWEEP);
    expect(sweepLimitsFrom({ DSTACK_DRAG_CACHE_MAX_MB: 'lots' })).toEqual(DEFAULT_SWEEP);
  });
});
