import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../../main/core/jobs';
import { keys } from '../../../main/core/keys';
import type { LocalStorage } from '../../../main/backends/local/storage';
import { fakeJob, REPO, tempStorage } from './fixtures';

let storage: LocalStorage;
let cleanup: () => Promise<void>;
let store: JobStore;
beforeEach(async () => {
  ({ storage, cleanup } = await tempStorage());
  store = new JobStore(storage);
});
afterEach(() => cleanup());

describe('job store', () => {
  it('keeps one head per job, moved on every status change', async () => {
    await store.create(fakeJob('calm-owl-1', 1000));
    await store.setStatus(REPO, 'calm-owl-1,train,0', 'downloading');
    await store.setStatus(REPO, 'calm-owl-1,train,0', 'running');
    const page = await storage.list(keys.jobHeadPrefix(REPO));
    expect(page.objects.map((o) => o.key)).toEqual([keys.jobHead(REPO, 'calm-owl-1,train,0', 'running', 1000)]);
    expect((await store.get(REPO, 'calm-owl-1,train,0'))?.status).toBe('running');
  });

  it('checks every write against the stored status', async () => {
    await store.create(fakeJob('calm-owl-1'));
    await store.setStatus(REPO, 'calm-owl-1,train,0', 'failed');
    await expect(store.setStatus(REPO, 'calm-owl-1,train,0', 'running')).rejects.toThrow('A job cannot go from failed to running.');
  });

  it('reads the newest status when a head swap left two heads', async () => {
    await store.create(fakeJob('calm-owl-1', 5));
    // A writer that crashed between "put new head" and "delete old head".
    await storage.put(keys.jobHead(REPO, 'calm-owl-1,train,0', 'running', 5), '');
    const heads = await store.heads(REPO);
    expect(heads.map((h) => [h.jobId, h.status])).toEqual([['calm-owl-1,train,0', 'running']]);
  });

  it('lists past the first page of 1,000 keys', async () => {
    const n = 1100;
    for (let i = 0; i < n; i++) await storage.put(keys.jobHead(REPO, `brave-yak-${i},train,0`, 'done', i), '');
    const heads = await store.heads(REPO);
    expect(heads).toHaveLength(n);
    expect(heads[0]?.submittedAt).toBe(n - 1);
  }, 60_000);

  it('narrows a listing to one run by its name', async () => {
    await store.create(fakeJob('calm-owl-1'));
    await store.create(fakeJob('calm-owl-11'));
    expect((await store.heads(REPO, 'calm-owl-1,')).map((h) => h.jobId)).toEqual(['calm-owl-1,train,0']);
  });
});
