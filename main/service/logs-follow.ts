/**
 * Following a run's log. The core yields batches as the backend reads them,
 * which for a chatty job can be one line at a time; sending each as its own
 * event would flood IPC and the renderer. Lines are gathered here and sent
 * as one `logs.lines` event every ~75 ms (or sooner when a batch grows
 * large), and a final event with `done: true` when the log ends. A log that
 * cannot be read (core retried what could pass) ends with that final event
 * carrying the error, so the pane says why and what to do instead of
 * showing nothing.
 */
import { type SerializedError, toDstackError } from '../common/errors';
import type { LogEvent } from '../core/backend';
import type { RunService } from '../core/runs';
import type { EventHub } from './events';

export const FLUSH_MS = 75;
/** Past this many buffered lines a batch goes out at once; no event carries more, so each message stays bounded. */
export const MAX_BATCH = 5000;

/**
 * Starts following `runName`'s log and returns the subscription id. Throws
 * before subscribing when the run does not exist, so the caller sees why.
 */
export async function followLogs(
  hub: EventHub,
  runs: RunService,
  repo: string,
  runName: string,
  clientId?: string,
  /**
   * Called when the first lines arrive and when the log ends: the runs list
   * then looks again at once, so a run whose log streams is never still
   * shown as submitted, nor one whose log ended as running.
   */
  onActivity: () => void = () => undefined,
  /** False: only what the log holds now, then `done`, as `dstack logs` without -f. */
  follow = true,
): Promise<string> {
  const abort = new AbortController();
  const batches = await runs.logs(repo, runName, { follow, signal: abort.signal });
  const buffer: LogEvent[] = [];
  let seenLines = false;
  let timer: NodeJS.Timeout | undefined;
  const subscriptionId = hub.addSubscription(() => {
    abort.abort();
    if (timer) clearTimeout(timer);
  }, clientId);
  /** Sends what is buffered, in events of at most MAX_BATCH lines; the last one carries `done` (and the error that ended the log). */
  const flush = (done: boolean, error?: SerializedError): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!buffer.length && !done) return;
    do {
      const lines = buffer.splice(0, MAX_BATCH);
      const last = done && !buffer.length;
      hub.emit('logs.lines', { subscriptionId, lines, done: last, ...(last && error ? { error } : {}) }, clientId);
    } while (buffer.length);
  };
  void (async () => {
    let error: SerializedError | undefined;
    try {
      for await (const batch of batches) {
        if (abort.signal.aborted) return;
        if (!seenLines && batch.length) {
          seenLines = true;
          onActivity();
        }
        buffer.push(...batch);
        if (buffer.length >= MAX_BATCH) flush(false);
        else timer ??= setTimeout(() => flush(false), FLUSH_MS);
      }
    } catch (err) {
      // The pane keeps what it has and shows why the log stopped.
      error = toDstackError(err).toJSON();
    }
    if (abort.signal.aborted) return;
    flush(true, error);
    onActivity();
    hub.unsubscribe(subscriptionId);
  })();
  return subscriptionId;
}
