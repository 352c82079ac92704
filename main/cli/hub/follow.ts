/**
 * Following a run's log through the hub: the project's events socket, then
 * `logs.follow` with the socket's client id, printing each batch until the
 * hub says the log is done. Events that arrive before the call returns its
 * subscription id are kept, not lost. When the hub goes away mid-run (a
 * restart), the follow reconnects on its own and skips the lines it already
 * printed, since a new follow starts the log from its beginning.
 */
import type { ApiEvents } from '../../common/api/operations';
import { DstackError, fromSerialized } from '../../common/errors';
import type { LogEvent } from '../../common/log-event';
import type { HubClient } from './client';

type LogBatch = ApiEvents['logs.lines'];

/** How long a follow keeps trying to reach a hub that went away before it gives up. */
export const RECONNECT_FOR_MS = 60_000;

/** The outcome of one socket's follow: the log ended (or the caller stopped it), or the socket closed first. */
type Outcome = { ended: true } | { ended: false; why: string };

async function followOnce(hub: HubClient, runName: string, onLines: (lines: LogEvent[]) => void, signal: AbortSignal | undefined, follow: boolean): Promise<Outcome> {
  const early: LogBatch[] = [];
  let subscription: string | undefined;
  let settle: { resolve: (o: Outcome) => void; reject: (err: unknown) => void } | undefined;
  const ended = new Promise<Outcome>((resolve, reject) => (settle = { resolve, reject }));
  // Awaited below once the follow is on; a call that fails first must not leave it rejected with no one listening.
  ended.catch(() => undefined);
  const take = (batch: LogBatch): void => {
    if (batch.lines.length) onLines(batch.lines);
    if (!batch.done) return;
    if (batch.error) settle!.reject(fromSerialized(batch.error));
    else settle!.resolve({ ended: true });
  };
  const events = await hub.events((event, payload) => {
    if (event !== 'logs.lines') return;
    const batch = payload as LogBatch;
    if (subscription === undefined) early.push(batch);
    else if (batch.subscriptionId === subscription) take(batch);
  });
  const onAbort = (): void => settle!.resolve({ ended: true });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    void events.closed.then((why) => {
      // Reconnecting cannot bring back access an admin took away: that ends the follow, with the hub's sentence.
      if (events.accessEnded) settle!.reject(new DstackError('permission', events.accessEnded, { fix: `Ask your hub admin for access (or a new token), then run: dstack config hub --url ${hub.conn.url} --project ${hub.conn.project}` }));
      else settle!.resolve({ ended: false, why });
    });
    subscription = (await hub.call('logs.follow', { projectId: hub.projectId, runName, follow }, events.clientId)).subscriptionId;
    for (const batch of early.splice(0)) if (batch.subscriptionId === subscription) take(batch);
    return await ended;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    events.close();
  }
}

/**
 * Calls `onLines` with each batch of the run's log, in order, and resolves
 * once the hub says the log ended (with `follow: false`, once it sent what
 * the log holds now); `signal` stops it early.
 */
export async function followHubLog(
  hub: HubClient,
  runName: string,
  onLines: (lines: LogEvent[]) => void,
  signal?: AbortSignal,
  opts: { follow?: boolean; reconnectForMs?: number } = {},
): Promise<void> {
  const reconnectForMs = opts.reconnectForMs ?? RECONNECT_FOR_MS;
  // A new follow replays the log from its start: lines up to `printed` were already shown.
  let printed = 0;
  let index = 0;
  const print = (lines: LogEvent[]): void => {
    const fresh = lines.slice(Math.max(0, printed - index));
    index += lines.length;
    printed += fresh.length;
    if (fresh.length) onLines(fresh);
  };
  let lost: { why: string; since: number } | undefined;
  for (;;) {
    index = 0;
    try {
      const outcome = await followOnce(hub, runName, print, signal, opts.follow ?? true);
      if (outcome.ended) return;
      lost = { why: outcome.why, since: Date.now() };
      process.stderr.write(`dstack: lost the hub (${outcome.why}); reconnecting…\n`);
    } catch (err) {
      // Only a hub that went away is waited for; a refusal or a missing run is the answer.
      if (!lost || !(err instanceof DstackError) || err.code !== 'unavailable') throw err;
      if (Date.now() - lost.since > reconnectForMs) {
        throw new DstackError('unavailable', `The log of ${runName} stopped: ${lost.why}, and the hub did not come back within ${Math.round(reconnectForMs / 1000)} s.`, {
          fix: `Check that \`dstack hub\` is running, then follow it again with: dstack logs -f ${runName}`,
        });
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    if (signal?.aborted) return;
  }
}
