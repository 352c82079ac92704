/**
 * What the hub adds for a browser: the app's page (the same renderer bundle
 * and static-file code as `dstack server`, with the same strict CSP), and a
 * way for that page to open a project's events socket with its token. A
 * browser cannot set `Authorization` on a WebSocket, and a token in the URL
 * would land in logs and history, so the page offers it as a subprotocol
 * (`dstack.bearer`, `dstack.token.<token>`), as Kubernetes does; the socket
 * answers with `dstack.bearer` only, so the token is never echoed.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { contentSecurityPolicy } from '../../common/csp';
import { sourceRoot } from '../../node/launch';

/** The renderer `npm run build` makes, which `dstack server` serves too. */
export const DEFAULT_RENDERER_DIR = join(sourceRoot, 'out', 'renderer');

/** Marks the hub's pages; the renderer reads it (renderer/src/api/hub-client.ts isHubPage). */
export const HUB_PAGE_HEADER = 'X-Dstack-Hub';

/** The subprotocol a browser offers first; the token rides in the second. */
export const BEARER_PROTOCOL = 'dstack.bearer';
const TOKEN_PROTOCOL = 'dstack.token.';

/** The headers every page response gets: the app's CSP (its socket on the hub's own names) and the anti-framing set. */
export function pageHeaders(hosts: Iterable<string>, tls: boolean): Record<string, string> {
  // CSP host-sources have no grammar for IPv6 literals; 'self' covers a page opened on one.
  const ws = tls ? 'wss' : 'ws';
  return {
    'Content-Security-Policy': contentSecurityPolicy({ connect: [...hosts].filter((h) => !h.startsWith('[')).map((h) => `${ws}://${h}`) }),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // The page asks `HEAD /` for this to know a hub served it: a probe of the API would log a 401 or 404 on `dstack server`.
    [HUB_PAGE_HEADER]: 'v1',
  };
}

/** Whether a request is a browser asking for one of the UI's files (anything but the API). */
export function isPageRequest(req: IncomingMessage, pathname: string): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && pathname !== '/api' && !pathname.startsWith('/api/');
}

/**
 * A browser's token from its WebSocket subprotocols, as an `Authorization`
 * value; undefined when it offered none. Only for the upgrade: plain
 * requests send the header.
 */
export function bearerFromSubprotocols(req: IncomingMessage): string | undefined {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (offered[0] !== BEARER_PROTOCOL) return undefined;
  const token = offered.find((p) => p.startsWith(TOKEN_PROTOCOL))?.slice(TOKEN_PROTOCOL.length);
  return token ? `Bearer ${token}` : undefined;
}
