/**
 * `dstack server`: the app's UI and API for a browser, on node:http + ws.
 * Every request must come with the token and a Host/Origin naming us (see
 * `auth.ts`); a first visit with `?token=` sets an HttpOnly cookie and
 * redirects to the same URL without the token, so it does not linger in
 * history. Every response carries the strict CSP and anti-framing headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { contentSecurityPolicy } from '../common/csp';
import type { ErrorCode } from '../common/errors';
import { DstackError, toDstackError } from '../common/errors';
import { ApiService } from '../service/api';
import type { Host } from '../service/host';
import type { HubLink } from '../service/hub-link';
import { handleDownload, handleOperation } from './api-routes';
import type { TokenSource } from './auth';
import { allowedHosts, hostAllowed, newToken, tokenCookie, tokenSource } from './auth';
import { EventSockets } from './events-socket';
import { requestUrl } from './request-target';
import { sendStatic } from './static';

export interface ServerOptions {
  home: string;
  version: string;
  /** The built renderer (`out/renderer`). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Tests pass a known token; otherwise a fresh one is made. */
  token?: string;
  /** How to reach a team hub (the CLI passes its client in; the server may not import the CLI). */
  hubLink?: HubLink;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  service: ApiService;
  close(): Promise<void>;
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** A refusal: an error envelope under /api/ (the client parses one), plain text for pages. */
function refuse(res: ServerResponse, req: IncomingMessage, status: number, code: ErrorCode, text: string, headers: Record<string, string>): void {
  if (!req.url?.startsWith('/api/')) return plain(res, status, text, headers);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message: text } }));
}

/** Why a request is turned away: the status, the error code and a sentence, for a response or an upgrade's status line. */
interface Refusal {
  status: number;
  code: ErrorCode;
  text: string;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** What a handler threw, as a refusal: bad input is a 400; anything else a 500 whose cause goes to the terminal, not the client. */
function refusalFor(err: unknown): Refusal {
  const e = toDstackError(err);
  if (e.code === 'invalid_argument') return { status: 400, code: e.code, text: e.fix ? `${e.message} ${e.fix}` : e.message };
  console.error(`dstack server: a request failed: ${e.message}`);
  return { status: 500, code: 'internal', text: 'Internal error: see the terminal running `dstack server`.' };
}

/** Answers a refused upgrade on the raw socket (there is no ServerResponse there). */
function refuseUpgrade(socket: Duplex, r: Refusal): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${r.text}\n`);
  else socket.destroy();
}

/** A GET or HEAD for one of the UI's own files, as a browser asks for a page. */
function isPageRequest(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !requestUrl(req).pathname.startsWith('/api/');
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const bind = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new DstackError('unavailable', `Cannot listen on ${bind}:${opts.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}.`, {
              fix: 'Pick another port with --port, or --port 0 for any free one.',
            })
          : err,
      ),
    );
    server.listen(opts.port ?? 0, bind, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hosts = allowedHosts(bind, port);
  const hostService: Host = { transport: 'http', downloadUrl: (taskId) => `/api/download/${taskId}` };
  const service = new ApiService({ home: opts.home, version: opts.version, host: hostService, ...(opts.hubLink ? { hubLink: opts.hubLink } : {}) });
  const sockets = new EventSockets(service);
  const headers: Record<string, string> = {
    // CSP host-sources have no grammar for IPv6 literals (the browser logs an error for ws://[::1]); 'self' covers a page opened on one.
    'Content-Security-Policy': contentSecurityPolicy({ connect: [...hosts].filter((h) => !h.startsWith('[')).map((h) => `ws://${h}`) }),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };

  /**
   * The request's URL once its syntax (see request-target.ts), Host/Origin and
   * token pass; a Refusal otherwise. Throws InvalidArgumentError on unparsable input.
   */
  const admit = (req: IncomingMessage): { url: URL; source: TokenSource } | Refusal => {
    const url = requestUrl(req);
    if (!hostAllowed(req, hosts)) return { status: 403, code: 'permission', text: 'Forbidden: this server answers only on its own address.' };
    const source = tokenSource(req, url, token, port);
    if (!source) return { status: 401, code: 'credentials', text: 'Unauthorized: open the URL that `dstack server` printed, with its token.' };
    return { url, source };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const admitted = admit(req);
    if ('status' in admitted && admitted.status === 401 && isPageRequest(req)) {
      // The UI's files hold no secret, and every byte of data still needs the token: a page without one gets the app
      // itself, which says in its own style how to sign in (after a restart with a new token) instead of a bare 401 text.
      const page = requestUrl(req).pathname;
      if (await sendStatic(opts.rendererDir, page === '/' ? '/' : page, res, headers)) return;
    }
    if ('status' in admitted) return refuse(res, req, admitted.status, admitted.code, admitted.text, headers);
    const { url, source } = admitted;
    const path = url.pathname;
    if (source === 'query' && req.method === 'GET' && !path.startsWith('/api/')) {
      // First visit with ?token=: set the cookie and drop the token from the address bar.
      url.searchParams.delete('token');
      res.writeHead(302, { ...headers, 'Set-Cookie': tokenCookie(token, port), Location: url.pathname + url.search });
      return void res.end();
    }
    if (req.method === 'POST' && path.startsWith('/api/')) return handleOperation(service, path.slice(5), req, res, headers);
    if (req.method === 'GET' && path.startsWith('/api/download/')) return handleDownload(service, path.slice(14), req, res, headers);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed.', headers);
    if (path.startsWith('/api/')) return plain(res, 404, 'Not found.', headers);
    if (!(await sendStatic(opts.rendererDir, path, res, headers))) {
      plain(res, 404, path === '/' ? 'The UI is not built: run `npm run build`, then start the server again.' : 'Not found.', headers);
    }
  };

  // The top-level guard: whatever a handler throws, sync or async, ends in an answer, never in the process exiting.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      const r = refusalFor(err);
      refuse(res, req, r.status, r.code, r.text, headers);
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without an error listener: a client reset would otherwise be an uncaught error.
    socket.on('error', () => socket.destroy());
    try {
      const admitted = admit(req);
      if ('status' in admitted) return refuseUpgrade(socket, admitted);
      if (admitted.url.pathname !== '/api/events') return refuseUpgrade(socket, { status: 404, code: 'not_found', text: 'Not found.' });
      sockets.wss.handleUpgrade(req, socket, head, (ws) => sockets.wss.emit('connection', ws, req));
    } catch (err) {
      refuseUpgrade(socket, refusalFor(err));
    }
  });

  const shownHost = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    service,
    close: async () => {
      sockets.close();
      await service.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
