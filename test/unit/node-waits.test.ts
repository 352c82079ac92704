// The shared batching keeps order and both limits; the shared wait ends early on abort.
import { expect, it } from 'vitest';
import { batchesOf, sleep } from '../../main/node/waits';

it('splits in order under the count and byte limits, and sends an oversized item alone', () => {
  const sizes = [4, 4, 4, 9, 1, 1, 1, 1];
  const batches = batchesOf(sizes, 3, 8, (n) => n);
  expect(batches).toEqual([[4, 4], [4], [9], [1, 1, 1], [1]]);
  expect(batches.flat()).toEqual(sizes);
});

it('ends a wait at once when it is aborted, and resolves rather than rejects', async () => {
  const abort = new AbortController();
  const started = performance.now();
  const wait = sleep(60_000, abort.signal);
  abort.abort();
  await wait;
  expect(performance.now() - started).toBeLessThan(5_000);
  await sleep(60_000, abort.signal);
});
