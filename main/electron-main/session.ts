/**
 * Session-wide hardening, installed once before the window opens: every
 * response gets our CSP (set on response headers, so the page cannot relax
 * it with a meta tag), every permission request (camera, notifications from
 * the page, geolocation…) is denied, and `dstack-app://ui/` serves the built
 * renderer and nothing outside it.
 */
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OnHeadersReceivedListenerDetails, HeadersReceivedResponse, Session } from 'electron';
import { net, protocol } from 'electron';
import { contentSecurityPolicy } from '../common/csp';
import { resolveStatic } from '../server/static';
import { APP_HOST, APP_SCHEME } from './origin';

/** Must run before `app.ready`: makes our scheme standard and secure, so it has an origin and `'self'` works. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Adds the CSP to a response's headers, replacing any the response had. */
export function withCsp(details: Pick<OnHeadersReceivedListenerDetails, 'responseHeaders'>, csp: string): HeadersReceivedResponse {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(details.responseHeaders ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') headers[k] = v;
  }
  headers['Content-Security-Policy'] = [csp];
  return { responseHeaders: headers };
}

export function hardenSession(session: Session, opts: { rendererDir: string; devServer?: string }): void {
  const csp = contentSecurityPolicy(opts.devServer ? { devServer: opts.devServer } : {});
  session.webRequest.onHeadersReceived((details, callback) => callback(withCsp(details, csp)));
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    const file = url.host === APP_HOST ? resolveStatic(opts.rendererDir, path) : undefined;
    if (!file) return new Response('Not found', { status: 404 });
    let res = await net.fetch(pathToFileURL(file).href).catch(() => undefined);
    // A client-side route (no file extension) gets the app's index.html; a missing asset is a 404.
    if (!res?.ok && !extname(path)) res = await net.fetch(pathToFileURL(join(opts.rendererDir, 'index.html')).href).catch(() => undefined);
    if (!res?.ok) return new Response('Not found', { status: 404 });
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', csp);
    return new Response(res.body, { status: res.status, headers });
  });
}
