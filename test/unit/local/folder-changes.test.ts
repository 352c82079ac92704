// A large folder's listing is kept and read again when the folder changes
// (folder-cache.ts), and a project's runs are listed in one listing of their
// folder (jobs.ts). What a user sees must not change: after every put and
// delete, a listing shows exactly the keys stored, in S3's byte order,
// temporary files left out.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalStorage } from '../../../main/backends/local/storage';

let dir: string;
let storage: LocalStorage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-folder-changes-'));
  storage = new LocalStorage(join(dir, 'storage'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A small deterministic generator, so a failure names a reproducible step. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

// Names whose UTF-16 order differs from their UTF-8 byte order (U+FFEE against an emoji), "." against a folder's "/", and a temp-like look-alike.
const PARTS = ['a', 'a.b', 'B', 'é', '\uffee', '😀', '\ud7ff', 'l;', 'n;', 'x,1', 'dstack-tmp', '0'];

function randomName(next: () => number): string {
  const n = 1 + Math.floor(next() * 3);
  return Array.from({ length: n }, () => PARTS[Math.floor(next() * PARTS.length)]).join('') + Math.floor(next() * 1000);
}

async function keysUnder(prefix: string, limit?: number): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await storage.list(prefix, { keysOnly: true, limit, token });
    out.push(...page.objects.map((o) => o.key));
    token = page.next;
  } while (token);
  return out;
}

it('shows every put and delete at once, in byte order with non-ASCII names, sub-folders coming and going, temp files skipped', async () => {
  const folder = join(dir, 'storage', 'jobs', 'r');
  const next = random(11);
  const stored = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const key = `jobs/r/${randomName(next)}`;
    await storage.put(key, 'x');
    stored.add(key);
  }
  expect(await keysUnder('jobs/r/')).toEqual([...stored].sort(byteOrder));
  for (let step = 0; step < 120; step++) {
    const roll = next();
    const existing = [...stored];
    if (roll < 0.35) {
      const key = `jobs/r/${randomName(next)}`;
      await storage.put(key, 'x');
      stored.add(key);
    } else if (roll < 0.7) {
      const key = existing[Math.floor(next() * existing.length)] as string;
      await storage.delete([key]);
      stored.delete(key);
    } else if (roll < 0.8) {
      // A key inside a sub-folder, then the same name as a file once the folder is gone: its type changes between reads.
      const name = randomName(next);
      if (stored.has(`jobs/r/${name}`)) continue;
      await storage.put(`jobs/r/${name}/inner`, 'x');
      expect(await keysUnder('jobs/r/'), `step ${step}, folder ${name} made`).toEqual([...stored, `jobs/r/${name}/inner`].sort(byteOrder));
      await storage.delete([`jobs/r/${name}/inner`]);
      await storage.put(`jobs/r/${name}`, 'x');
      stored.add(`jobs/r/${name}`);
    } else if (roll < 0.9) {
      // A writer's temporary file, as a crashed put leaves one.
      await writeFile(join(folder, `.dstack-tmp-${step}`), 'partial');
    } else {
      // The folder looks quiet for a minute: the next read is kept and trusted, the one after a change reads it again.
      await utimes(folder, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    }
    const want = [...stored].sort(byteOrder);
    expect(await keysUnder('jobs/r/'), `after step ${step}`).toEqual(want);
    expect(await keysUnder('jobs/r/', 37), `paged, after step ${step}`).toEqual(want);
  }
  await mkdir(join(folder, 'empty-folder'));
  expect(await keysUnder('jobs/r/')).toEqual([...stored].sort(byteOrder));
});
