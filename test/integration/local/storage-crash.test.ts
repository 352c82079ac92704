import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalStorage } from '../../../main/backends/local/storage';
import { runFixture } from './fixtures/run';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('keeps the previous object whole when the writing process is killed mid-write', async () => {
  const root = join(dir, 'storage');
  const storage = new LocalStorage(root);
  await storage.put('jobs/r/j.json', '{"status":"running"}');
  const src = join(dir, 'big.bin');
  await writeFile(src, Buffer.alloc(16 << 20, 1));

  const child = runFixture('upload-forever.ts', [root, src, 'jobs/r/j.json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(first.toString()).toBe('writing\n');
  // The new version is half on disk now, under a temporary name.
  const onDisk = await readdir(join(root, 'jobs', 'r'));
  expect(onDisk.some((n) => n.startsWith('.dstack-tmp-'))).toBe(true);
  child.kill('SIGKILL');
  await once(child, 'close');

  expect((await storage.get('jobs/r/j.json'))?.toString()).toBe('{"status":"running"}');
  expect((await storage.list('jobs/')).objects.map((o) => o.key)).toEqual(['jobs/r/j.json']);
  expect((await storage.list('jobs/r/', { delimiter: '/' })).objects).toHaveLength(1);

  // The torn temporary file stays on disk until a sweep old enough to be sure no writer still owns it.
  expect(await storage.removeStaleTemp()).toBe(0);
  expect(await storage.removeStaleTemp(0)).toBe(1);
  expect(await readdir(join(root, 'jobs', 'r'))).toEqual(['j.json']);
});
