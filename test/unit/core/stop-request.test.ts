// Two clients stop the same run at once, one gracefully, one with -x. Whatever
// order their reads and writes interleave in, the abort stays: a graceful
// request never writes over one that is there.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readStopRequest, writeStopRequest } from '../../../main/core/stop-request';
import type { LocalStorage } from '../../../main/backends/local/storage';
import { REPO, tempStorage } from './fixtures';

let t: Awaited<ReturnType<typeof tempStorage>>;
beforeEach(async () => {
  t = await tempStorage();
});
afterEach(() => t.cleanup());

it('keeps an abort that landed after a graceful stop looked, and lets an abort replace a graceful request', async () => {
  const storage: LocalStorage = t.storage;
  await writeStopRequest(storage, REPO, 'a,w,0', true);
  // The graceful writer's view from before the abort landed: nothing there yet.
  const get = storage.get.bind(storage);
  storage.get = async () => undefined;
  await writeStopRequest(storage, REPO, 'a,w,0', false);
  storage.get = get;
  expect((await readStopRequest(storage, REPO, 'a,w,0'))?.abort).toBe(true);

  await writeStopRequest(storage, REPO, 'b,w,0', false);
  expect((await readStopRequest(storage, REPO, 'b,w,0'))?.abort).toBe(false);
  await writeStopRequest(storage, REPO, 'b,w,0', true);
  expect((await readStopRequest(storage, REPO, 'b,w,0'))?.abort).toBe(true);
});
