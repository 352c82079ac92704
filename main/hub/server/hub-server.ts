/**
 * The team hub's HTTP server, on the same node:http machinery as
 * `dstack server` (request-target guards, Host/Origin checks, the
 * `{result}|{error}` envelope), with bearer tokens from the hub's store
 * instead of one machine-local token, and HTTPS when given a certificate.
 * Routes, all under the versioned `/api/v1/`:
 *   POST /api/v1/{action}                       users, projects, members, audit, me (admin-actions.ts)
 *   POST /api/v1/projects/{name}/ops/{op}       a contract operation in a project (project-ops.ts)
 *   GET  /api/v1/projects/{name}/download/{id}  a finished download of that project
 *   POST /api/v1/projects/{name}/upload/run     `dstack run` with the member's workflow files and code (run-upload.ts)
 *   GET  /api/v1/projects/{name}/events         the project's events over a WebSocket (hello, then events)
 *   GET  /, /assets/…                            the app's page, no token (it asks for one; web-page.ts)
 * No cookies: a browser never sends the token on its own, so there is no CSRF to defend.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer, STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type { Envelope } from '../../common/api/operations';
import { RUN_UPLOAD_ROUTE } from '../../common/api/run-upload';
import { DstackError, NotFoundError, toDstackError } from '../../common/errors';
import { handleDownload, readJson } from '../../server/api-routes';
import { httpStatusOf } from '../../server/error-status';
import { requestUrl } from '../../server/request-target';
import { sendStatic } from '../../server/static';
import type { HubStore } from '../store';
import { HubAccessError, authenticate, projectNotFound } from './access';
import { ADMIN_ACTION_NAMES, NAME, runAdminAction } from './admin-actions';
import type { AdminActionName } from './admin-actions';
import { checkClientVersion, HUB_API_VERSION } from './api-version';
import { hubHostAllowed, hubHosts } from './network';
import { admitToProject, runProjectOp } from './project-ops';
import { ProjectServices } from './project-services';
import { HubReconciler } from './reconcile';
import { CodeTooLargeError, DEFAULT_MAX_CODE_BYTES, runUpload, sweepUploads } from './run-upload';
import { accessTaken, UserSockets } from './user-sockets';
import type { CapacityRetryOptions } from './capacity-waits';
import { bearerFromSubprotocols, DEFAULT_RENDERER_DIR, isPageRequest, pageHeaders } from './web-page';

export interface HubOptions {
  store: HubStore;
  /** DSTACK_HOME: projects keep their state under `{home}/hub/projects/`. */
  home: string;
  version: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Extra names clients reach the hub by (`--allowed-host`). */
  allowedHosts?: readonly string[];
  /** PEM certificate and key: the hub serves HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Time between reconcile passes over every project; default a minute. */
  reconcileEveryMs?: number;
  /** How jobs refused for lack of capacity are tried again; default CAPACITY_RETRY (capacity-waits.ts). */
  capacityRetry?: CapacityRetryOptions;
  /** The built renderer the hub serves at `/`; default `out/renderer`. */
  rendererDir?: string;
  /** What one run's uploaded code may hold (`--max-code-mb`); default DEFAULT_MAX_CODE_BYTES. */
  maxCodeBytes?: number;
}

export interface RunningHub {
  url: string;
  port: number;
  services: ProjectServices;
  reconciler: HubReconciler;
  close(): Promise<void>;
}

const HEADERS: Record<string, string> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function send(res: ServerResponse, status: number, body: Envelope<unknown>): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** A thrown error as an envelope: the hub's own refusals keep their status; an unexpected error is logged, not shown. */
function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  if (err instanceof HubAccessError || err instanceof CodeTooLargeError) return send(res, err.status, { error: err.toJSON() });
  const e = toDstackError(err);
  if (e.code === 'internal') {
    console.error(`dstack hub: a request failed: ${e.message}`);
    return send(res, 500, { error: { code: 'internal', message: 'Internal error: see the log of `dstack hub`.' } });
  }
  // A cloud's own permission or credentials error inside an operation is not the hub refusing the caller: never 401/403.
  send(res, httpStatusOf(e.code), { error: e.toJSON() });
}

/** Answers a refused upgrade on the raw socket, with the status the same refusal gets as a request. */
function refuseUpgrade(socket: Duplex, err: unknown): void {
  const e = toDstackError(err);
  const status = err instanceof HubAccessError ? err.status : httpStatusOf(e.code);
  if (e.code === 'internal') console.error(`dstack hub: an upgrade failed: ${e.message}`);
  const text = e.code === 'internal' ? 'Internal error.' : e.toLine();
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\n`);
  else socket.destroy();
}

async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new DstackError('unavailable', `Cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : 'no such address here'}.`, {
              fix: 'Pick another --port (0 for any free one) or another --host.',
            })
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

export async function startHub(opts: HubOptions): Promise<RunningHub> {
  const bind = opts.host ?? '127.0.0.1';
  const hubDir = join(opts.home, 'hub');
  await mkdir(hubDir, { recursive: true, mode: 0o700 });
  await sweepUploads(hubDir);
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }) : createHttpServer();
  await listen(server, bind, opts.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const hosts = hubHosts(bind, port, opts.allowedHosts ?? []);
  const services = new ProjectServices({ store: opts.store, hubDir, version: opts.version, ...(opts.capacityRetry ? { capacityRetry: opts.capacityRetry } : {}) });
  const userSockets = new UserSockets();
  const ctx = { store: opts.store, services, version: opts.version };
  const reconciler = new HubReconciler(services, opts.reconcileEveryMs);
  const prefix = `/api/v${HUB_API_VERSION}/`;
  const page = pageHeaders(hosts, !!opts.tls);
  const rendererDir = opts.rendererDir ?? DEFAULT_RENDERER_DIR;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    if (!hubHostAllowed(req, hosts)) {
      return send(res, 403, { error: { code: 'permission', message: 'Forbidden: this hub answers only on its own names.', fix: 'Start it with --allowed-host NAME for the name clients use.' } });
    }
    checkClientVersion(req, opts.version);
    const path = url.pathname;
    if (isPageRequest(req, path)) {
      if (await sendStatic(rendererDir, path, res, page)) return;
      res.writeHead(404, { ...page, 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end(path === '/' ? 'The UI is not built: run `npm run build`, then start the hub again.' : 'Not found.');
    }
    if (!path.startsWith(prefix)) {
      const other = /^\/api\/(v\d+)\//.exec(path)?.[1];
      throw new NotFoundError(
        other ? `This hub serves API v${HUB_API_VERSION} at ${prefix}; the client asked for API ${other}.` : `Not found: the hub's API is under ${prefix}.`,
        other ? `Use a dstack client that speaks API v${HUB_API_VERSION}.` : undefined,
      );
    }
    const parts = path.slice(prefix.length).split('/').map(decodeURIComponent);
    if (parts[0] === 'projects' && parts.length === 4) {
      const [, project, kind, what] = parts as [string, string, string, string];
      if (!NAME.test(project)) {
        await authenticate(opts.store, req.headers.authorization);
        throw projectNotFound(project);
      }
      if (kind === 'ops' && req.method === 'POST') return send(res, 200, { result: (await runProjectOp(ctx, req, project, what)) ?? null });
      if (`${kind}/${what}` === RUN_UPLOAD_ROUTE && req.method === 'POST') {
        return send(res, 200, { result: await runUpload({ ...ctx, hubDir, maxCodeBytes: opts.maxCodeBytes ?? DEFAULT_MAX_CODE_BYTES }, req, project) });
      }
      if (kind === 'download' && (req.method === 'GET' || req.method === 'HEAD')) {
        await admitToProject(ctx, req, project, 'read');
        return handleDownload(services.get(project), what, req, res, HEADERS);
      }
    } else if (parts.length === 1 && (ADMIN_ACTION_NAMES as string[]).includes(parts[0]!) && req.method === 'POST') {
      const user = await authenticate(opts.store, req.headers.authorization);
      const input = await readJson(req);
      const result = await runAdminAction(parts[0] as AdminActionName, { store: opts.store, services, user }, input);
      const taken = await accessTaken(opts.store, parts[0]!, input);
      if (taken) userSockets.close(taken.user, taken.why, taken.project);
      return send(res, 200, { result: result ?? null });
    }
    throw new NotFoundError(`Not found: ${req.method ?? ''} ${path}.`, `The hub's API: POST ${prefix}{action}, POST ${prefix}projects/{name}/ops/{operation}.`);
  };

  // Whatever a handler throws, sync or async, ends in an answer, never in the process exiting.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });
  /** `GET /api/v1/projects/{name}/events` upgraded to a WebSocket: the project's events, for a caller with the read role. */
  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = requestUrl(req);
    if (!hubHostAllowed(req, hosts)) throw new HubAccessError(403, 'permission', 'Forbidden: this hub answers only on its own names.', 'Start it with --allowed-host NAME for the name clients use.');
    checkClientVersion(req, opts.version);
    // A browser cannot set the header on a WebSocket: its page offers the token as a subprotocol instead.
    req.headers.authorization ??= bearerFromSubprotocols(req);
    const project = new RegExp(`^${prefix}projects/([^/]+)/events$`).exec(url.pathname)?.[1];
    if (project === undefined) throw new NotFoundError(`Not found: ${url.pathname}.`, `The hub's events are at ${prefix}projects/{name}/events.`);
    if (!NAME.test(project)) {
      await authenticate(opts.store, req.headers.authorization);
      throw projectNotFound(project);
    }
    const checkedAt = userSockets.mark();
    const member = await admitToProject(ctx, req, project, 'read');
    const sockets = services.eventSockets(project);
    sockets.wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.wss.emit('connection', ws, req);
      userSockets.add(member.name, project, ws, checkedAt);
    });
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without an error listener: a client reset would otherwise be an uncaught error.
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((err: unknown) => refuseUpgrade(socket, err));
  });
  reconciler.start();

  const scheme = opts.tls ? 'https' : 'http';
  const shown = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `${scheme}://${shown}:${port}/`,
    port,
    services,
    reconciler,
    close: async () => {
      const passEnded = reconciler.stop();
      server.closeAllConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A pass under way still uses the store the caller closes next.
      await passEnded;
      // The server's close waits for upgraded sockets too: end the event sockets first, or an open page keeps the hub from stopping.
      await services.dispose();
      await closed;
    },
  };
}
