/**
 * The WebSocket at `/api/events`. Each socket is one client: the server
 * first sends `{type:'hello', clientId}`, which the page sends back as the
 * `X-Dstack-Client` header on its calls; then every event arrives as
 * `{type:'event', event, payload}`. Events of a subscription go only to the
 * socket that opened it; events with no client go to every socket. When a
 * socket closes, its subscriptions end, so a closed tab stops its pollers.
 */
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import type { ApiEvents, EventName } from '../common/api/operations';
import type { ApiService } from '../service/api';
import { newId } from '../service/events';

export type ServerMessage =
  | { type: 'hello'; clientId: string }
  | { [E in EventName]: { type: 'event'; event: E; payload: ApiEvents[E] } }[EventName];

export class EventSockets {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Map<string, WebSocket>();
  private readonly stopListening: () => void;

  constructor(private readonly service: ApiService) {
    this.stopListening = service.hub.listen((event, payload, clientId) => {
      const text = JSON.stringify({ type: 'event', event, payload } as ServerMessage);
      const targets = clientId ? [this.clients.get(clientId)] : [...this.clients.values()];
      for (const ws of targets) if (ws?.readyState === ws?.OPEN) ws?.send(text);
    });
    this.wss.on('connection', (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    const clientId = newId();
    this.clients.set(clientId, ws);
    ws.send(JSON.stringify({ type: 'hello', clientId } satisfies ServerMessage));
    // The socket only carries events out; anything the page sends is ignored.
    ws.on('close', () => {
      this.clients.delete(clientId);
      this.service.disconnect(clientId);
    });
  }

  close(): void {
    this.stopListening();
    for (const ws of this.clients.values()) ws.terminate();
    this.wss.close();
  }
}
