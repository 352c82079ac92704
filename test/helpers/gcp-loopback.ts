/**
 * The HTTP shell the Google Cloud stand-ins share: a server on 127.0.0.1
 * that checks the bearer token (in constant time), reads the body (capped),
 * hands a parsed request to the stand-in, and answers every malformed
 * request or stand-in failure with a JSON error in Google's shape, so a
 * bad request never kills it. Tests may inject faults: a dropped
 * connection, or a body cut off after some bytes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface LoopbackReply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | object;
  /** Sends only this many bytes of the body, then drops the connection (a fault for tests). */
  cutAfter?: number;
}

/** A fault to inject before the request is answered; `drop` closes the connection without an answer. */
export type Fault = 'drop' | { cutAfter: number } | undefined;

export interface Loopback {
  /** `http://127.0.0.1:{port}`. */
  endpoint: string;
  /** The bearer token the stand-in accepts; a test may set another (one token for several stand-ins). */
  token: string;
  /** Requests answered, by `METHOD route` as the stand-in names them. */
  counts: Map<string, number>;
  /** Every request that passed authentication, as `METHOD /path`: what the policy test maps to permissions. */
  seen: string[];
  /** Accepts a bearer token other than `token` (a self-signed JWT from a service-account key) when it returns true. */
  verify?: (bearer: string) => boolean;
  /** Called before each request is handled; return a fault to inject one. */
  fault?: (req: LoopbackRequest) => Fault;
  stop(): Promise<void>;
}

/** A request the stand-in refuses with this status and message, as Google would. */
export class StandinError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024 * 1024;
const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 412: 'FAILED_PRECONDITION' };

export function errorBody(status: number, message: string): object {
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN', errors: [{ message, reason: status === 404 ? 'notFound' : 'invalid' }] } };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new StandinError(413, 'The request body is too large.');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: LoopbackReply): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  const headers: Record<string, string> = { 'content-length': String(body.length), ...reply.headers };
  if (reply.body !== undefined && !Buffer.isBuffer(reply.body) && typeof reply.body !== 'string') headers['content-type'] = 'application/json; charset=UTF-8';
  res.writeHead(reply.status, headers);
  if (reply.cutAfter === undefined) return void res.end(body);
  res.write(body.subarray(0, reply.cutAfter), () => res.destroy());
}

/** Starts a stand-in; `handle` names each request's route (for counts) and answers it. */
export async function startLoopback(handle: (req: LoopbackRequest) => { route: string; reply: LoopbackReply | Promise<LoopbackReply> }): Promise<Loopback> {
  const token = `standin-${Math.random().toString(36).slice(2)}`;
  const counts = new Map<string, number>();
  const lb = { token, counts, seen: [] as string[] } as Loopback;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const body = await readBody(req);
        const auth = req.headers.authorization ?? '';
        const known = timingSafeEqual(digest(auth), digest(`Bearer ${lb.token}`)) || Boolean(lb.verify?.(auth.replace(/^Bearer /, '')));
        if (!known) throw new StandinError(401, 'Request had invalid authentication credentials.');
        lb.seen.push(`${req.method ?? 'GET'} ${url.pathname}`);
        const parsed: LoopbackRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
        const fault = lb.fault?.(parsed);
        if (fault === 'drop') return void req.socket.destroy();
        const { route, reply } = handle(parsed);
        counts.set(route, (counts.get(route) ?? 0) + 1);
        const out = await reply;
        send(res, fault ? { ...out, cutAfter: fault.cutAfter } : out);
      } catch (err) {
        const status = err instanceof StandinError ? err.status : 500;
        if (!res.headersSent) send(res, { status, body: errorBody(status, (err as Error).message) });
        else res.destroy();
      }
    })();
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  lb.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  lb.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return lb;
}
