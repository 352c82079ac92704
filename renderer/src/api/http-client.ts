/**
 * The contract over `dstack server`: each operation is a POST to /api/{op}
 * answering a `{result}|{error}` envelope, and events arrive on one WebSocket
 * at /api/events. The auth cookie set when the page first loaded with
 * `?token=` rides along on both, so no secret lives in this code.
 *
 * The socket's first message names this page (`hello` with a clientId); calls
 * send it back as `X-Dstack-Client` so the server routes a subscription's
 * events to this socket only. A new socket is a new client whose old
 * subscriptions are gone, so `onReconnect` tells subscribers to start again.
 * A socket the server closes because the page's access ended
 * (ACCESS_REVOKED_CLOSE) is not a drop: the page is signed out, with the
 * server's reason, and opens no socket again.
 *
 * The team hub speaks the same protocol under other paths, with a bearer
 * token instead of the cookie: it passes its own {@link HttpRoutes}
 * (hub/hub-client.ts).
 */
import { DstackError, fromSerialized } from '../../../main/common/errors';
import { ACCESS_REVOKED_CLOSE } from '../../../main/common/socket-close';
import type { ApiClient, ApiEvents, ConnectionState, Envelope, EventName, OperationName, OpInput, OpOutput } from '../../../main/common/api/operations';

type AnyListener = (payload: unknown) => void;

/** Operations whose events start flowing at once, so the socket must be open first. */
const SUBSCRIBING: ReadonlySet<OperationName> = new Set(['runs.watch', 'logs.follow', 'projects.watchWorkflows', 'artifacts.download', 'artifacts.cache']);

const MAX_BACKOFF_MS = 5_000;

/** Where the calls and the event socket go, and what proves who the page is. */
export interface HttpRoutes {
  /** The URL an operation is POSTed to. */
  op(op: OperationName): string;
  /** The event socket's ws:// or wss:// URL. */
  events: string;
  /** A POST that answers 401 when the page's credentials no longer work. */
  probe: string;
  /** Headers every call sends besides the JSON ones. */
  headers: Record<string, string>;
  /** Subprotocols the socket offers (a browser can set no header on a WebSocket). */
  protocols?: string[];
  /** `same-origin` sends the cookie; `omit` sends none. */
  credentials: RequestCredentials;
}

/** `dstack server`'s routes: its cookie signs every request in. */
export function serverRoutes(origin: string = window.location.origin): HttpRoutes {
  return {
    op: (op) => `${origin}/api/${op}`,
    events: origin.replace(/^http/, 'ws') + '/api/events',
    probe: `${origin}/api/app.info`,
    headers: {},
    credentials: 'same-origin',
  };
}

export class HttpClient implements ApiClient {
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private socket: WebSocket | null = null;
  private opened: Promise<void> | null = null;
  private clientId: string | null = null;
  private everOpened = false;
  private readonly reconnectListeners = new Set<() => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private connection: ConnectionState = 'connected';
  private backoffMs = 250;
  private accessEnded: string | null = null;

  constructor(private readonly routes: HttpRoutes = serverRoutes()) {}

  async call<K extends OperationName>(op: K, input: OpInput<K>): Promise<OpOutput<K>> {
    if (SUBSCRIBING.has(op)) await this.ensureSocket();
    const res = await fetch(this.routes.op(op), {
      method: 'POST',
      credentials: this.routes.credentials,
      headers: { 'content-type': 'application/json', ...this.routes.headers, ...(this.clientId ? { 'x-dstack-client': this.clientId } : {}) },
      body: JSON.stringify(input ?? {}),
    }).catch((err: unknown) => {
      this.setConnection('reconnecting');
      void this.ensureSocket().catch(() => undefined);
      throw err;
    });
    if (res.status === 401) this.setConnection('signed-out');
    let envelope: Envelope<OpOutput<K>>;
    try {
      envelope = (await res.json()) as Envelope<OpOutput<K>>;
    } catch {
      throw res.status === 401
        ? new DstackError('credentials', 'This page is not signed in to dstack server.', { fix: 'Open the URL with the token that `dstack server` printed.' })
        : new DstackError('unavailable', `dstack server answered ${res.status} without a result.`, { fix: 'Check the terminal running `dstack server`.' });
    }
    if ('error' in envelope) throw fromSerialized(envelope.error);
    return envelope.result;
  }

  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    void this.ensureSocket().catch(() => undefined);
    return () => set.delete(listener as AnyListener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.connection);
    void this.ensureSocket().catch(() => undefined);
    return () => this.connectionListeners.delete(listener);
  }

  private setConnection(state: ConnectionState): void {
    if (state === this.connection) return;
    this.connection = state;
    for (const l of this.connectionListeners) l(state);
  }

  /**
   * After a failed reconnect: a server that answers 401 is up but restarted
   * with a new token, so retrying cannot help and the user must sign in again.
   */
  private async probeSignedOut(): Promise<void> {
    const res = await fetch(this.routes.probe, { method: 'POST', credentials: this.routes.credentials, headers: this.routes.headers, body: '{}' }).catch(() => null);
    if (res?.status === 401) this.setConnection('signed-out');
  }

  /** The server's sentence when it closed the socket because this page's access ended; null otherwise. */
  signedOutReason(): string | null {
    return this.accessEnded;
  }

  /** Called after the event socket came back with a new client id. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Opens the event socket once, and again after a drop with a growing delay; resolves on the server's hello. */
  private ensureSocket(): Promise<void> {
    if (this.opened) return this.opened;
    if (this.connection === 'signed-out') return Promise.reject(this.signedOut());
    this.opened = new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.routes.events, this.routes.protocols);
      this.socket = ws;
      ws.onmessage = (m) => {
        const hello = this.dispatch(m.data);
        if (!hello) return;
        this.clientId = hello;
        this.backoffMs = 250;
        this.setConnection('connected');
        resolve();
        if (this.everOpened) for (const l of this.reconnectListeners) l();
        this.everOpened = true;
      };
      ws.onclose = (e) => {
        this.socket = null;
        this.opened = null;
        this.clientId = null;
        if (e.code === ACCESS_REVOKED_CLOSE) {
          // Retrying with the same credentials cannot help: the person reads why, and signs in again.
          this.accessEnded = e.reason || null;
          this.setConnection('signed-out');
          return reject(this.signedOut());
        }
        reject(new DstackError('unavailable', 'Lost the connection to dstack server.', { fix: 'Check that it is still running.' }));
        if (this.connection !== 'signed-out') this.setConnection('reconnecting');
        void this.probeSignedOut();
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
        setTimeout(() => {
          if (this.connection !== 'signed-out' && (this.listeners.size > 0 || this.connectionListeners.size > 0)) {
            void this.ensureSocket().catch(() => undefined);
          }
        }, delay);
      };
    });
    return this.opened;
  }

  private signedOut(): DstackError {
    return new DstackError('credentials', this.accessEnded ?? 'This page is no longer signed in.', { fix: 'Sign in again.' });
  }

  /** Delivers an event; returns the client id when the message is the server's hello. */
  private dispatch(data: unknown): string | undefined {
    if (typeof data !== 'string') return undefined;
    let msg: { type?: string; clientId?: string; event?: EventName; payload?: unknown };
    try {
      msg = JSON.parse(data) as typeof msg;
    } catch {
      return undefined;
    }
    if (msg.type === 'hello' && typeof msg.clientId === 'string') return msg.clientId;
    if (msg.type !== 'event' || !msg.event) return undefined;
    for (const l of this.listeners.get(msg.event) ?? []) l(msg.payload);
    return undefined;
  }
}
