/**
 * Reading a run's log through failed reads, for every backend's reader. A
 * follower used to end quietly at the first error (the app's pane) or with a
 * raw errno (the CLI); one whose reads kept failing showed nothing, forever
 * or without saying why. Here a read that may pass on its own (a network
 * blip, throttling, a busy file) is tried again with backoff, resuming after
 * the events already yielded; one that cannot (a permission, a log that is
 * a folder) or that keeps failing ends the read with one error naming the
 * run's log, the cause, and the fix.
 */
import { DstackError, type ErrorCode } from '../common/errors';
import { sleep } from '../node/waits';
import type { LogEvent } from './backend';

/** Errno codes no retry fixes: the log's path itself is wrong. */
const PERSISTENT_ERRNO = new Set(['EISDIR', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG']);
/** Typed errors no retry fixes: someone has to change a grant, a key, a config or a name. */
const PERSISTENT_CODES = new Set<ErrorCode>(['permission', 'credentials', 'config', 'invalid_argument', 'not_found', 'verification']);

export interface LogRetryOptions {
  /** Failed reads in a row before giving up; default 5. */
  tries?: number;
  /** The first pause before a retry, doubled each time up to 5 s; default 250 ms (5 tries wait ~4 s in all). */
  firstDelayMs?: number;
  signal?: AbortSignal;
}

/** Whether `err`, or any error in its cause chain, is one that trying again cannot fix. */
export function isPersistentReadError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && PERSISTENT_ERRNO.has(code)) return true;
    if (e instanceof DstackError && PERSISTENT_CODES.has(e.code)) return true;
  }
  return false;
}

/** The one error a reader ends with: the run's log, what went wrong, after how many tries, and the fix. */
function readFailed(runName: string, err: unknown, failures: number): DstackError {
  const cause = err instanceof DstackError ? err : undefined;
  const what = (cause?.message ?? (err instanceof Error ? err.message : String(err))).replace(/\.$/, '');
  const tried = failures > 1 ? ` (${failures} reads in a row failed)` : '';
  return new DstackError(cause?.code === 'permission' ? 'permission' : 'unavailable', `Cannot read the log of run ${runName}: ${what}${tried}.`, {
    fix: cause?.fix ?? `Check that the backend's storage is reachable, then run \`dstack logs ${runName}\` again.`,
    cause: err,
  });
}

/**
 * Yields the events of `open()`'s reads in order, each once: after a failed
 * read it opens the log again and skips what was already yielded, since
 * every reader returns a log's events in the same order from the start.
 */
export async function* readLogWithRetry(runName: string, open: () => AsyncIterable<LogEvent[]>, opts: LogRetryOptions = {}): AsyncGenerator<LogEvent[]> {
  const tries = opts.tries ?? 5;
  const firstDelay = opts.firstDelayMs ?? 250;
  let delay = firstDelay;
  let yielded = 0;
  let failures = 0;
  for (;;) {
    let skip = yielded;
    try {
      for await (const batch of open()) {
        const fresh = skip >= batch.length ? [] : batch.slice(skip);
        skip = Math.max(0, skip - batch.length);
        if (!fresh.length) continue;
        failures = 0;
        delay = firstDelay;
        yielded += fresh.length;
        yield fresh;
      }
      return;
    } catch (err) {
      if (opts.signal?.aborted) return;
      failures++;
      if (isPersistentReadError(err) || failures >= tries) throw readFailed(runName, err, failures);
      await sleep(delay, opts.signal);
      delay = Math.min(delay * 2, 5000);
      if (opts.signal?.aborted) return;
    }
  }
}
