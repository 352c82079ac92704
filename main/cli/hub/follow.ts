/**
 * Following a run's log through the hub: the project's events socket, then
 * `logs.follow` with the socket's client id, printing each batch until the
 * hub says the log is done. Events that arrive before the call returns its
 * subscription id are kept, not lost.
 */
import type { ApiEvents } from '../../common/api/operations';
import { DstackError, fromSerialized } from '../../common/errors';
import type { LogEvent } from '../../common/log-event';
import type { HubClient } from './client';

type LogBatch = ApiEvents['logs.lines'];

/** Calls `onLines` with each batch of the run's log, in order, and resolves once the hub says the log ended; `signal` stops it early. */
export async function followHubLog(hub: HubClient, runName: string, onLines: (lines: LogEvent[]) => void, signal?: AbortSignal): Promise<void> {
  const early: LogBatch[] = [];
  let subscription: string | undefined;
  let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  const ended = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Awaited below once the follow is on; a call that fails first must not leave it rejected with no one listening.
  ended.catch(() => undefined);
  const take = (batch: LogBatch): void => {
    if (batch.lines.length) onLines(batch.lines);
    if (!batch.done) return;
    if (batch.error) settle!.reject(fromSerialized(batch.error));
    else settle!.resolve();
  };
  const events = await hub.events((event, payload) => {
    if (event !== 'logs.lines') return;
    const batch = payload as LogBatch;
    if (subscription === undefined) early.push(batch);
    else if (batch.subscriptionId === subscription) take(batch);
  });
  const onAbort = (): void => settle!.resolve();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    void events.closed.then((why) =>
      settle!.reject(new DstackError('unavailable', `The log of ${runName} stopped before the run ended: ${why}.`, { fix: `Follow it again with: dstack logs -f ${runName}` })),
    );
    subscription = (await hub.call('logs.follow', { projectId: hub.projectId, runName }, events.clientId)).subscriptionId;
    for (const batch of early.splice(0)) if (batch.subscriptionId === subscription) take(batch);
    await ended;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    events.close();
  }
}
