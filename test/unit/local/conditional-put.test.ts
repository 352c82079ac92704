// Conditional writes on the local backend's real files: what makes run names
// and status changes safe when the CLI, the app and runners write at once.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockPathOf, STALE_LOCK_MS } from '../../../main/backends/local/conditional';
import { keyToPath } from '../../../main/backends/local/key-path';
import { LocalStorage } from '../../../main/backends/local/storage';
import { conditionalPutCases } from '../../helpers/conditional-put-cases';

let dir: string;
let storage: LocalStorage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-cond-'));
  storage = new LocalStorage(join(dir, 'storage'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('local storage conditional writes', () => {
  conditionalPutCases(() => storage, 'cond');
});

describe('local storage locks', () => {
  it('breaks the lock of a writer that died holding it, so the record can still be updated', async () => {
    const key = 'jobs/r/calm-owl-1,train,0.json';
    await storage.put(key, 'v1');
    const { etag } = (await storage.getWithEtag(key))!;
    // A writer process that was killed between taking the lock and releasing it.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(lockPathOf(keyToPath(storage.root, key)), `${dead.stdout} 0123456789abcdef`);
    const started = Date.now();
    await storage.put(key, 'v2', { ifMatch: etag });
    expect(Date.now() - started).toBeLessThan(STALE_LOCK_MS);
    expect((await storage.get(key))?.toString()).toBe('v2');
    expect((await storage.list('jobs/r/')).objects.map((o) => o.key)).toEqual([key]);
  });

  it('waits for a live writer holding the lock instead of breaking it', async () => {
    const key = 'jobs/r/calm-owl-2,train,0.json';
    await storage.put(key, 'v1');
    const { etag } = (await storage.getWithEtag(key))!;
    const lock = lockPathOf(keyToPath(storage.root, key));
    await writeFile(lock, `${process.pid} 0123456789abcdef`);
    let done = false;
    const write = storage.put(key, 'v2', { ifMatch: etag }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect([done, (await storage.get(key))?.toString()]).toEqual([false, 'v1']);
    await rm(lock);
    await write;
    expect((await storage.get(key))?.toString()).toBe('v2');
  });
});
