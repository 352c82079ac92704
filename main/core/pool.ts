/**
 * A fixed-size worker pool for transfers. The first failure stops the rest:
 * their in-flight requests are aborted through the signal each task gets, so
 * a failed tree transfer does not keep hammering S3 in the background.
 */
import { setMaxListeners } from 'node:events';
import { CancelledError } from '../common/errors';

/**
 * Runs `task` over `items` with at most `concurrency` at once. `items` may
 * be async (a paginated listing), so work starts before the listing ends.
 * `signal` cancels everything; the per-task signal also fires when a
 * sibling fails.
 */
export async function runPool<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  task: (item: T, signal: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  // Every task's requests listen on this one signal; dozens at once is by design, not a leak.
  setMaxListeners(Math.max(10, concurrency * 4), stop.signal);
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const it: Iterator<T> | AsyncIterator<T> = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let failure: { err: unknown } | undefined;
  const fail = (err: unknown) => {
    failure ??= { err };
    stop.abort(err);
  };
  const pull = () => Promise.resolve(it.next()).catch((err: unknown) => (fail(err), undefined));
  const worker = async () => {
    for (let next = await pull(); next && !next.done && !stop.signal.aborted; next = await pull()) {
      try {
        await task(next.value, stop.signal);
      } catch (err) {
        fail(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  // A cancel wins over the errors it caused (requests cut mid-body).
  if (signal?.aborted) throw new CancelledError();
  if (failure) throw failure.err;
}
