/**
 * The CLI's client of a team hub: one contract operation per HTTP call
 * (`POST /api/v1/projects/{name}/ops/{op}`) and the project's events over
 * its WebSocket. Every way the hub can say no (down, a revoked token, a
 * project that is gone or not yours, a role too weak) becomes one
 * DstackError with the fix, so a command prints one line and exits 1.
 */
import WebSocket from 'ws';
import type { ApiEvents, EventName, OperationName, OpInput, OpOutput, SerializedError } from '../../common/api/operations';
import { DstackError, fromSerialized, NotFoundError } from '../../common/errors';
import { ACCESS_REVOKED_CLOSE } from '../../common/socket-close';
import { appVersion } from '../../server/cli-command';
import type { HubConnection } from '../commands/config-hub';

/** The id every call names its project by: the hub puts its own workspace's id in place of whatever the client sends. */
export const HUB_PROJECT_ID = 'hub';

/** How long one call waits for the hub's answer. */
const CALL_MS = 60_000;

const CONFIG_AGAIN = (c: HubConnection) => `dstack config hub --url ${c.url} --project ${c.project}`;

function unreachable(c: HubConnection, err: unknown): DstackError {
  const cause = (err as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string; name?: string }).code ?? (err as { name?: string }).name;
  return new DstackError('unavailable', `No hub answers at ${new URL(c.url).origin} (${code ?? 'connection failed'}).`, {
    fix: `Check that \`dstack hub\` is running there and reachable from here; to use another hub, run: ${CONFIG_AGAIN(c)}`,
  });
}

/** The hub's refusal as the error the CLI prints: its own words where they already name the fix, the connection's where they don't. */
function refusal(c: HubConnection, status: number, error: SerializedError | undefined): DstackError {
  if (status === 401) {
    return new DstackError('credentials', `The hub at ${new URL(c.url).origin} refused your token: it was revoked or replaced by a new one.`, {
      fix: `Ask the hub admin for a new token, then run: ${CONFIG_AGAIN(c)}`,
    });
  }
  if (status === 404 && error?.message.startsWith(`Project "${c.project}" not found.`)) {
    return new NotFoundError(
      `Project "${c.project}" not found on the hub at ${new URL(c.url).origin} (it was deleted, or you were removed from it).`,
      `Ask the hub admin to add you to "${c.project}", or pick another project: ${CONFIG_AGAIN(c).replace(/--project \S+$/, '--project NAME')}`,
    );
  }
  if (error) return fromSerialized(error);
  return new DstackError('unavailable', `The hub at ${new URL(c.url).origin} answered HTTP ${status} without a dstack answer.`, {
    fix: 'Check the hub URL: a proxy in front of the hub must pass /api/v1/ through.',
  });
}

export type EventListener = <E extends EventName>(event: E, payload: ApiEvents[E]) => void;

/** One open events socket of the project: the client id the hub gave it, and every event it pushes to it. */
export interface HubEvents {
  clientId: string;
  /** Resolves (never rejects) with why the socket closed, when it does. */
  closed: Promise<string>;
  /** Set, before `closed` resolves, when the hub closed the socket because the caller's access ended: its sentence why. */
  accessEnded?: string;
  close(): void;
}

export class HubClient {
  /** What to send as `projectId`: the hub acts on the project in the URL, whatever this says. */
  readonly projectId = HUB_PROJECT_ID;

  constructor(
    readonly conn: HubConnection,
    private readonly token: string,
  ) {}

  private headers(more: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'x-dstack-api-version': '1', 'user-agent': `dstack/${appVersion()}`, ...more };
  }

  /** Runs one operation in the project; resolves with the envelope's result, or throws the error it carries. */
  async call<K extends OperationName>(op: K, input: OpInput<K>, clientId?: string): Promise<OpOutput<K>> {
    const url = new URL(`api/v1/projects/${encodeURIComponent(this.conn.project)}/ops/${op}`, this.conn.url);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json', ...(clientId ? { 'x-dstack-client': clientId } : {}) }),
        body: JSON.stringify(input ?? {}),
        redirect: 'error',
        signal: AbortSignal.timeout(CALL_MS),
      });
    } catch (err) {
      throw unreachable(this.conn, err);
    }
    const text = await res.text();
    let body: { result?: unknown; error?: SerializedError } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (res.status === 200 && body && 'result' in body) return body.result as OpOutput<K>;
    throw refusal(this.conn, res.status, body?.error);
  }

  /**
   * POSTs `body` to a route of the project that takes more than an
   * operation's 1 MiB (a run's code), streamed from the Blob (a file is read
   * as it is sent); resolves with the envelope's result, or throws the hub's
   * refusal as a call does.
   */
  async upload<T>(route: string, body: Blob, contentType: string): Promise<T> {
    const url = new URL(`api/v1/projects/${encodeURIComponent(this.conn.project)}/${route}`, this.conn.url);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: 'POST', headers: this.headers({ 'content-type': contentType }), body, redirect: 'error' });
      text = await res.text();
    } catch (err) {
      throw unreachable(this.conn, err);
    }
    let answer: { result?: unknown; error?: SerializedError } | undefined;
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      answer = undefined;
    }
    if (res.status === 200 && answer && 'result' in answer) return answer.result as T;
    throw refusal(this.conn, res.status, answer?.error);
  }

  /**
   * Opens the project's events socket and waits for the hub's hello; each
   * event then goes to `listener`. A refused upgrade is the same one-line
   * error a refused call gives.
   */
  events(listener: EventListener): Promise<HubEvents> {
    const url = new URL(`api/v1/projects/${encodeURIComponent(this.conn.project)}/events`, this.conn.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url, { headers: this.headers() });
    let closedWith = (_why: string): void => undefined;
    const closed = new Promise<string>((resolve) => (closedWith = resolve));
    let events: HubEvents | undefined;
    return new Promise<HubEvents>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          // A refused upgrade's body is the refusal's one line (message and fix), as the CLI prints it.
          reject(refusal(this.conn, status, text.trim() ? { code: status === 403 ? 'permission' : 'not_found', message: text.trim() } : undefined));
        });
        ws.terminate();
      });
      ws.on('error', (err) => {
        reject(unreachable(this.conn, err));
        closedWith(`the connection to the hub failed (${err.message})`);
      });
      ws.on('close', (code, reason) => {
        if (code === ACCESS_REVOKED_CLOSE && events) events.accessEnded = reason.toString() || 'A hub admin took your access away.';
        closedWith(`the hub closed the connection (${code}${reason.length ? `: ${reason.toString()}` : ''})`);
      });
      ws.on('message', (data) => {
        let msg: { type?: string; clientId?: string; event?: EventName; payload?: unknown };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          // Not one of the hub's messages (a proxy's, say): nothing to act on.
          return;
        }
        if (msg.type === 'hello' && msg.clientId) resolve((events = { clientId: msg.clientId, closed, close: () => ws.close() }));
        else if (msg.type === 'event' && msg.event) listener(msg.event, msg.payload as ApiEvents[EventName]);
      });
    });
  }

  /**
   * GETs a path the hub handed out (a download route), with the token; any
   * status comes back as is, for the caller to read. Only ever for the hub's
   * own URLs: the token never goes to another host.
   */
  async get(path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), this.conn.url);
    try {
      return await fetch(url, { headers: this.headers(headers), redirect: 'error', signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw unreachable(this.conn, err);
    }
  }

  /** The hub's refusal in a response `get` returned, as the CLI prints it. */
  async refusal(res: Response): Promise<DstackError> {
    const text = await res.text().catch(() => '');
    let error: SerializedError | undefined;
    try {
      error = (JSON.parse(text) as { error?: SerializedError }).error;
    } catch {
      error = undefined;
    }
    return refusal(this.conn, res.status, error);
  }
}
