/**
 * Following a run's log. The core yields batches as the backend reads them,
 * which for a chatty job can be one line at a time; sending each as its own
 * event would flood IPC and the renderer. Lines are gathered here and sent
 * as one `logs.lines` event every ~75 ms (or sooner when a batch grows
 * large), and a final event with `done: true` when the log ends.
 */
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
): Promise<string> {
  const abort = new AbortController();
  const batches = await runs.logs(repo, runName, { follow: true, signal: abort.signal });
  const buffer: LogEvent[] = [];
  let seenLines = false;
  let timer: NodeJS.Timeout | undefined;
  const subscriptionId = hub.addSubscription(() => {
    abort.abort();
    if (timer) clearTimeout(timer);
  }, clientId);
  /** Sends what is buffered, in events of at most MAX_BATCH lines; the last one carries `done`. */
  const flush = (done: boolean): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!buffer.length && !done) return;
    do {
      const lines = buffer.splice(0, MAX_BATCH);
      hub.emit('logs.lines', { subscriptionId, lines, done: done && !buffer.length }, clientId);
    } while (buffer.length);
  };
  void (async () => {
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
    } catch {
      // An error while reading ends the follow like the end of the log: the pane keeps what it has.
    }
    if (abort.signal.aborted) return;
    flush(true);
    onActivity();
    hub.unsubscribe(subscriptionId);
  })();
  return subscriptionId;
}
