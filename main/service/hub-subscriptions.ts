/**
 * The hub carrier's subscriptions (runs watches, log follows, workflow
 * watches): which local window or page opened each, so the hub's events go
 * back there only, under the id that window knows. After the hub's socket
 * drops (a hub restart), the carrier subscribes again and `rebind` points
 * the new hub id at the old local one; a log follow starts again from the
 * log's beginning, so the lines already delivered are skipped, as the CLI's
 * `logs -f` does, and none is lost or doubled.
 */
import type { ApiEvents, EventName, OperationName } from '../common/api/operations';
import type { EventHub } from './events';

/** How many not-yet-claimed subscriptions' early events are kept; one nobody claims (its call failed) is forgotten first. */
const MAX_EARLY = 64;

export interface HubSubscription {
  op: OperationName;
  /** The input the hub got, to subscribe again with. */
  input: unknown;
  owner?: string;
  hubId: string;
  /** logs.follow: lines delivered so far, and lines of a new follow still to skip. */
  delivered: number;
  skip: number;
}

export class HubSubscriptions {
  private readonly byLocal = new Map<string, HubSubscription>();
  private readonly localOf = new Map<string, string>();
  /** Events of a hub subscription whose call has not answered yet (a watch pushes its first list at once): kept, then delivered in order. */
  private readonly early = new Map<string, { event: EventName; payload: unknown }[]>();

  constructor(private readonly events: EventHub) {}

  /** A new subscription: the window knows it by the hub's id. */
  add(op: OperationName, input: unknown, owner: string | undefined, hubId: string): void {
    this.byLocal.set(hubId, { op, input, hubId, delivered: 0, skip: 0, ...(owner ? { owner } : {}) });
    this.bind(hubId, hubId);
  }

  /** The same subscription made again on a new socket; a follow skips what it already delivered. */
  rebind(localId: string, hubId: string): void {
    const sub = this.byLocal.get(localId);
    if (!sub) return;
    this.localOf.delete(sub.hubId);
    sub.hubId = hubId;
    sub.skip = sub.delivered;
    this.bind(hubId, localId);
  }

  private bind(hubId: string, localId: string): void {
    this.localOf.set(hubId, localId);
    const early = this.early.get(hubId) ?? [];
    this.early.delete(hubId);
    for (const e of early) this.relay(e.event, e.payload as ApiEvents[EventName]);
  }

  relay<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    const hubId = (payload as { subscriptionId?: string }).subscriptionId;
    if (!hubId) return;
    const localId = this.localOf.get(hubId);
    const sub = localId === undefined ? undefined : this.byLocal.get(localId);
    if (!sub || localId === undefined) {
      if (this.early.size >= MAX_EARLY && !this.early.has(hubId)) this.early.delete(this.early.keys().next().value as string);
      this.early.set(hubId, [...(this.early.get(hubId) ?? []), { event, payload }]);
      return;
    }
    if (event !== 'logs.lines') return this.events.emit(event, { ...payload, subscriptionId: localId }, sub.owner);
    const batch = payload as ApiEvents['logs.lines'];
    const skipped = Math.min(sub.skip, batch.lines.length);
    sub.skip -= skipped;
    const lines = batch.lines.slice(skipped);
    sub.delivered += lines.length;
    if (lines.length || batch.done) this.events.emit('logs.lines', { ...batch, lines, subscriptionId: localId }, sub.owner);
    if (batch.done) this.remove(localId);
  }

  /** The hub's id of a subscription the window names, for `events.unsubscribe`. */
  hubIdOf(localId: string): string {
    return this.byLocal.get(localId)?.hubId ?? localId;
  }

  remove(localId: string): void {
    const sub = this.byLocal.get(localId);
    if (!sub) return;
    this.byLocal.delete(localId);
    this.localOf.delete(sub.hubId);
  }

  ownedBy(clientId: string): string[] {
    return [...this.byLocal].filter(([, s]) => s.owner === clientId).map(([id]) => id);
  }

  /** Every live subscription, by the window's id. */
  live(): [string, HubSubscription][] {
    return [...this.byLocal];
  }

  clear(): void {
    this.byLocal.clear();
    this.localOf.clear();
    this.early.clear();
  }
}
