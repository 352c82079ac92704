/**
 * What the preload exposes as `window.dstack` (the renderer's IpcClient
 * adapts it to `ApiClient`), and the IPC channel names both sides use. Each operation is a function named
 * exactly as the operation (`window.dstack['runs.submit'](input)`) that
 * resolves to an Envelope: errors cross contextBridge as plain data, because
 * a thrown Error loses its `code` and `fix` on the way.
 */
import type { ApiEvents, Envelope, EventName, OperationName, OpInput, OpOutput } from './operations';

/** The IPC channel of an operation. */
export function channelOf(op: OperationName): string {
  return `api:${op}`;
}

/** The channel main pushes every event on, as (name, payload). */
export const EVENT_CHANNEL = 'api:event';

export type DstackBridge = { [K in OperationName]: (input: OpInput<K>) => Promise<Envelope<OpOutput<K>>> } & {
  /** Listens for one event; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};
