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
import { contentSecurityPolicy } from '../common/csp';
import type { ErrorCode } from '../common/errors';
import { DstackError } from '../common/errors';
import { ApiService } from '../service/api';
import type { Host } from '../service/host';
import { handleDownload, handleOperation } from './api-routes';
import { allowedHosts, hostAllowed, newToken, tokenCookie, tokenSource } from './auth';
import { EventSockets } from './events-socket';
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
function refuse(res: ServerResponse, url: URL, status: number, code: ErrorCode, text: string, headers: Record<string, string>): void {
  if (!url.pathname.startsWith('/api/')) return plain(res, status, text, headers);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message: text } }));
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
  const service = new ApiService({ home: opts.home, version: opts.version, host: hostService });
  const sockets = new EventSockets(service);
  const headers: Record<string, string> = {
    'Content-Security-Policy': contentSecurityPolicy({ connect: [...hosts].map((h) => `ws://${h}`) }),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };

  /** Host/Origin, then token. Answers a refused request itself (when there is a response to answer on) and returns 'refused'. */
  const admit = (req: IncomingMessage, res: ServerResponse | undefined): URL | 'refused' => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
    if (!hostAllowed(req, hosts)) {
      if (res) refuse(res, url, 403, 'permission', 'Forbidden: this server answers only on its own address.', headers);
      return 'refused';
    }
    const source = tokenSource(req, url, token, port);
    if (!source) {
      if (res) refuse(res, url, 401, 'credentials', 'Unauthorized: open the URL that `dstack server` printed, with its token.', headers);
      return 'refused';
    }
    if (source === 'query' && res && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      url.searchParams.delete('token');
      res.writeHead(302, { ...headers, 'Set-Cookie': tokenCookie(token, port), Location: url.pathname + url.search });
      res.end();
      return 'refused';
    }
    return url;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = admit(req, res);
    if (url === 'refused') return;
    const path = url.pathname;
    if (req.method === 'POST' && path.startsWith('/api/')) return void handleOperation(service, path.slice(5), req, res, headers);
    if (req.method === 'GET' && path.startsWith('/api/download/')) return void handleDownload(service, path.slice(14), req, res, headers);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed.', headers);
    if (path.startsWith('/api/')) return plain(res, 404, 'Not found.', headers);
    void sendStatic(opts.rendererDir, path, res, headers).then((sent) => {
      if (!sent) plain(res, 404, path === '/' ? 'The UI is not built: run `npm run build`, then start the server again.' : 'Not found.', headers);
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const url = admit(req, undefined);
    if (url === 'refused' || url.pathname !== '/api/events') {
      socket.end(`HTTP/1.1 ${url === 'refused' ? '401 Unauthorized' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    sockets.wss.handleUpgrade(req, socket, head, (ws) => sockets.wss.emit('connection', ws, req));
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
