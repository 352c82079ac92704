/**
 * Where the service's events go. Each transport (IPC window, WebSocket
 * clients) attaches one listener; an event may name the client it belongs to
 * (the one that opened the subscription), so a transport with several
 * clients delivers it only there. Subscriptions (runs watch, logs follow)
 * are registered here so `events.unsubscribe` and a closing client end them.
 */
import { randomBytes } from 'node:crypto';
import type { ApiEvents, EventName } from '../common/api/operations';

export type EventListener = <E extends EventName>(event: E, payload: ApiEvents[E], clientId?: string) => void;

interface Subscription {
  clientId?: string;
  dispose: () => void;
}

/** Short random ids for subscriptions, tasks and clients: never guessable, never a path. */
export function newId(bytes = 9): string {
  return randomBytes(bytes).toString('base64url');
}

export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private readonly subs = new Map<string, Subscription>();

  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: ApiEvents[E], clientId?: string): void {
    for (const l of this.listeners) l(event, payload, clientId);
  }

  /** Registers a subscription and returns its id; `dispose` runs once when it ends. */
  addSubscription(dispose: () => void, clientId?: string): string {
    const id = newId();
    this.subs.set(id, { clientId, dispose });
    return id;
  }

  hasSubscription(id: string): boolean {
    return this.subs.has(id);
  }

  /** Ends a subscription. An unknown id is not an error: a log follow ends on its own when the run does. */
  unsubscribe(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    sub.dispose();
  }

  /** Ends every subscription a client opened, when its window or socket goes away. */
  disposeClient(clientId: string): void {
    for (const [id, sub] of this.subs) if (sub.clientId === clientId) this.unsubscribe(id);
  }

  disposeAll(): void {
    for (const id of [...this.subs.keys()]) this.unsubscribe(id);
  }
}
