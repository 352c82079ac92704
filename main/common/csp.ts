/**
 * The Content-Security-Policy every page of ours gets, in the Electron
 * window (set on response headers) and from `dstack server`. Scripts and
 * styles come only from our own origin; no eval, no inline script, no
 * plugins, no framing, no form posts, no <base> tricks. The renderer draws
 * ANSI-coloured logs with DOM style properties, which CSP does not block.
 */
export interface CspOptions {
  /** Extra origins the page may connect to, e.g. the server's `ws://host:port`. */
  connect?: string[];
  /** Dev only: the Vite dev server's origin, for its scripts and HMR socket. */
  devServer?: string;
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const dev = opts.devServer ? [opts.devServer, opts.devServer.replace(/^http/, 'ws')] : [];
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'", ...dev.slice(0, 1)],
    'style-src': ["'self'", ...dev.slice(0, 1)],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...(opts.connect ?? []), ...dev],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}
