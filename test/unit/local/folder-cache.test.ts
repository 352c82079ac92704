// Local listings keep a large folder's sorted read (folder-cache.ts): for
// the later pages of one listing, and in a long-lived process for as long
// as the folder's mtime says nothing changed. What a user sees must not
// change: every listing shows exactly the keys stored when it ran.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalStorage } from '../../../main/backends/local/storage';

let dir: string;
let storage: LocalStorage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-folder-cache-'));
  storage = new LocalStorage(join(dir, 'storage'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function keysUnder(prefix: string, opts: { limit?: number; keysOnly?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await storage.list(prefix, { ...opts, token });
    out.push(...page.objects.map((o) => o.key));
    token = page.next;
  } while (token);
  return out;
}

/** Makes the folder look unchanged for a minute, so a read of it now is one the cache keeps and trusts. */
const ageFolder = (path: string) => utimes(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

it('shows every put and delete at once, even when the folder read before it is kept', async () => {
  const folder = join(dir, 'storage', 'jobs', 'r');
  const expected = new Set<string>();
  for (let i = 0; i < 400; i++) {
    await storage.put(`jobs/r/k${i}`, 'x');
    expected.add(`jobs/r/k${i}`);
  }
  for (let round = 0; round < 20; round++) {
    await ageFolder(folder);
    // Kept and trusted: the folder's mtime is well before this read.
    expect(await keysUnder('jobs/r/', { keysOnly: true })).toEqual([...expected].sort(byteOrder));
    if (round % 2) {
      await storage.put(`jobs/r/new${round}`, 'x');
      expected.add(`jobs/r/new${round}`);
    } else {
      await storage.delete([`jobs/r/k${round}`]);
      expected.delete(`jobs/r/k${round}`);
    }
    expect(await keysUnder('jobs/r/', { keysOnly: true }), `after change ${round}`).toEqual([...expected].sort(byteOrder));
    expect(await keysUnder('jobs/r/', { limit: 7 }), `paged, after change ${round}`).toEqual([...expected].sort(byteOrder));
  }
});

it('sees a file written behind its back once the folder changes, and never reuses a read its folder changed during', async () => {
  const folder = join(dir, 'storage', 'f');
  for (let i = 0; i < 300; i++) await storage.put(`f/k${String(i).padStart(3, '0')}`, 'x');
  await ageFolder(folder);
  const before = await keysUnder('f/');
  expect(before).toHaveLength(300);
  // Another process adds a file: the folder's mtime moves, so the kept read is dropped.
  await writeFile(join(folder, 'k999'), 'x');
  expect(await keysUnder('f/')).toEqual([...before, 'f/k999']);
  // Read within a second of that change: not trusted later, so another write that lands in the same clock tick still shows.
  await writeFile(join(folder, 'k998'), 'x');
  expect(await keysUnder('f/')).toEqual([...before, 'f/k998', 'f/k999']);
});

it('pages one listing from one read: keys present throughout are listed once each, in byte order, while others come and go', async () => {
  for (let i = 0; i < 600; i++) await storage.put(`p/k${i}`, 'x');
  const pages: string[][] = [];
  let token: string | undefined;
  let n = 0;
  do {
    const page = await storage.list('p/', { token, limit: 50, keysOnly: true });
    pages.push(page.objects.map((o) => o.key));
    token = page.next;
    // Writers between pages: new keys anywhere in the order, and deletes of keys not yet listed.
    await storage.put(`p/a-new${n}`, 'x');
    await storage.put(`p/z-new${n}`, 'x');
    n++;
  } while (token);
  const listed = pages.flat();
  expect(new Set(listed).size).toBe(listed.length);
  expect([...listed].sort(byteOrder)).toEqual(listed);
  for (let i = 0; i < 600; i++) expect(listed).toContain(`p/k${i}`);
});
