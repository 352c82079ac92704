/**
 * Small helpers the backends' log writers and pollers share: an abortable
 * wait, and splitting a write into batches that stay under an API's count
 * and size limits (CloudWatch PutLogEvents, Cloud Logging entries:write).
 */

/** Waits `ms`, or less when `signal` aborts; never rejects, so a poll loop just checks the signal after. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Splits `items` in order into batches of at most `maxCount` items and `maxBytes` by `sizeOf`; an item larger than `maxBytes` goes alone. */
export function batchesOf<T>(items: readonly T[], maxCount: number, maxBytes: number, sizeOf: (item: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = sizeOf(item);
    if (cur.length && (cur.length >= maxCount || size + n > maxBytes)) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(item);
    size += n;
  }
  if (cur.length) out.push(cur);
  return out;
}
