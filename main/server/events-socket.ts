/**
 * The WebSocket at `/api/events`. Each socket is one client: the server
 * first sends `{type:'hello', clientId}`, which the page sends back as the
 * `X-Dstack-Client` header on its calls; then every event arrives as
 * `{type:'event', event, payload}`. Events of a subscription go only to the
 * socket that opened it; events with no client go to every socket. When a
 * socket closes, its subscriptions end, so a closed tab stops its pollers.
 * A socket that stops reading is closed rather than buffered for without end.
 */
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { ApiEvents, EventName } from '../common/api/operations';
import type { ApiService } from '../service/api';
import { newId } from '../service/events';

export type ServerMessage =
  | { type: 'hello'; clientId: string }
  | { [E in EventName]: { type: 'event'; event: E; payload: ApiEvents[E] } }[EventName];

/** The most bytes the server holds unsent for one socket before it gives up on that client. */
export const MAX_BUFFERED = 4 * 1024 * 1024;
/** The close code for a client dropped for not reading (4000-4999 are for applications). */
export const SLOW_CLIENT_CLOSE = 4008;

export class EventSockets {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Map<string, WebSocket>();
  private readonly stopListening: () => void;

  constructor(private readonly service: ApiService) {
    this.stopListening = service.hub.listen((event, payload, clientId) => {
      const text = JSON.stringify({ type: 'event', event, payload } as ServerMessage);
      const targets = clientId ? [clientId] : [...this.clients.keys()];
      for (const id of targets) this.send(id, text);
    });
    this.wss.on('connection', (ws) => this.attach(ws));
  }

  /**
   * Sends one event, unless the client has stopped reading: past MAX_BUFFERED
   * unsent bytes it gets no more events, its subscriptions end, and it is
   * closed with SLOW_CLIENT_CLOSE (ws destroys the socket if the close
   * handshake never completes). The page reconnects and subscribes afresh,
   * so it loses nothing it would not have had to re-read anyway.
   */
  private send(clientId: string, text: string): void {
    const ws = this.clients.get(clientId);
    if (!ws || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > 0 && ws.bufferedAmount + Buffer.byteLength(text) > MAX_BUFFERED) {
      this.detach(clientId);
      ws.close(SLOW_CLIENT_CLOSE, 'This client is not reading its events: reconnect to subscribe again.');
      return;
    }
    ws.send(text);
  }

  /** Stops routing to a client and ends its subscriptions (its window or socket went away, or it stalled). */
  private detach(clientId: string): void {
    if (!this.clients.delete(clientId)) return;
    this.service.disconnect(clientId);
  }

  private attach(ws: WebSocket): void {
    const clientId = newId();
    this.clients.set(clientId, ws);
    ws.send(JSON.stringify({ type: 'hello', clientId } satisfies ServerMessage));
    // The socket only carries events out; anything the page sends is ignored.
    ws.on('close', () => this.detach(clientId));
  }

  close(): void {
    this.stopListening();
    // Every socket ws tracks, including any still closing after a stall.
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
