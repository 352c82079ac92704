/**
 * Starts a server-side subscription and routes its events, without losing
 * the ones that arrive before the call returns its id: the listener is
 * attached first and buffers until the id is known. Over HTTP a dropped
 * event socket ends the server's subscriptions, so it starts again after a
 * reconnect; the new subscription repeats the whole state, so `onRestart`
 * lets the caller drop what it had (a log would otherwise show twice).
 */
import type { ApiClient, ApiEvents, OpInput } from '../../../main/common/api/operations';

type SubOp = 'runs.watch' | 'logs.follow' | 'projects.watchWorkflows';
type SubEvent = 'runs.changed' | 'logs.lines' | 'workflows.changed';

export interface SubscribeHandlers<E extends SubEvent> {
  onPayload: (p: ApiEvents[E]) => void;
  onError: (err: unknown) => void;
  onRestart?: () => void;
}

interface Reconnecting {
  onReconnect(listener: () => void): () => void;
}

function hasReconnect(api: ApiClient): api is ApiClient & Reconnecting {
  return typeof (api as Partial<Reconnecting>).onReconnect === 'function';
}

export function subscribe<E extends SubEvent>(api: ApiClient, op: SubOp, input: OpInput<SubOp>, event: E, h: SubscribeHandlers<E>): () => void {
  let id: string | null = null;
  let closed = false;
  const early: ApiEvents[E][] = [];
  const off = api.on(event, (p) => {
    if (closed) return;
    if (id === null) early.push(p);
    else if (p.subscriptionId === id) h.onPayload(p);
  });

  const start = () => {
    id = null;
    early.length = 0;
    api.call(op, input as never).then(
      (res) => {
        const sid = (res as { subscriptionId: string }).subscriptionId;
        if (closed) return void api.call('events.unsubscribe', { subscriptionId: sid }).catch(() => undefined);
        id = sid;
        for (const p of early.splice(0)) if (p.subscriptionId === sid) h.onPayload(p);
      },
      (err) => {
        if (!closed) h.onError(err);
      },
    );
  };
  start();
  const offReconnect = hasReconnect(api)
    ? api.onReconnect(() => {
        h.onRestart?.();
        start();
      })
    : () => undefined;

  return () => {
    closed = true;
    off();
    offReconnect();
    if (id !== null) void api.call('events.unsubscribe', { subscriptionId: id }).catch(() => undefined);
  };
}
