/**
 * Who may talk to `dstack server`. Anything on this machine can reach a
 * loopback port, and any web page can make the browser send requests to
 * it, so every request needs the token (as Jupyter does), and its Host and
 * Origin must be ours, which defeats DNS rebinding: a page on evil.example
 * that rebinds its name to 127.0.0.1 still sends `Host: evil.example`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { InvalidArgumentError } from '../common/errors';

/** A fresh token: 32 random bytes in hex. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Cookie names are per port: browsers share cookies across the ports of one host. */
export function cookieName(port: number): string {
  return `dstack_token_${port}`;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The named cookie's value; 'malformed' when its percent-encoding does not decode (any page on this host can set one). */
function cookie(req: IncomingMessage, name: string): string | 'malformed' | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return 'malformed';
      }
    }
  }
  return undefined;
}

export type TokenSource = 'header' | 'cookie' | 'query';

/**
 * Where the request's valid token came from, or undefined when it has none.
 * A token cookie that does not decode is a 400 (InvalidArgumentError), unless
 * the header or `?token=` holds the token: the login redirect then replaces it.
 */
export function tokenSource(req: IncomingMessage, url: URL, token: string, port: number): TokenSource | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && sameToken(auth.slice(7).trim(), token)) return 'header';
  const fromCookie = cookie(req, cookieName(port));
  if (fromCookie !== 'malformed' && sameToken(fromCookie, token)) return 'cookie';
  if (sameToken(url.searchParams.get('token') ?? undefined, token)) return 'query';
  if (fromCookie === 'malformed') {
    throw new InvalidArgumentError(
      `Bad Request: the cookie ${cookieName(port)} is not valid percent-encoding.`,
      'Open the URL that `dstack server` printed, with its token: that replaces the cookie.',
    );
  }
  return undefined;
}

/** The Set-Cookie header after a `?token=` login: HttpOnly so scripts never read it, Strict so other sites never send it. */
export function tokenCookie(token: string, port: number): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);

/**
 * Host names a browser may use for us: loopback names and the bound host;
 * bound to every interface (`--host 0.0.0.0`), each interface's address.
 */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (boundHost === '0.0.0.0' || boundHost === '::') {
    for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) names.add(bracket(a.address));
  } else {
    names.add(bracket(boundHost));
  }
  return new Set([...names].map((h) => `${h}:${port}`.toLowerCase()));
}

/**
 * Whether Host (and Origin, when the browser sends one) name us. A missing
 * Origin is fine: browsers send it on every cross-origin request, so its
 * absence means same-origin or a non-browser client that has the token anyway.
 * `schemes` are the Origin schemes we are served over: http only for
 * `dstack server`, https too for a hub behind a TLS proxy.
 */
export function hostAllowed(req: IncomingMessage, hosts: Set<string>, schemes: readonly string[] = ['http:']): boolean {
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const o = new URL(origin);
    return schemes.includes(o.protocol) && hosts.has(o.host.toLowerCase());
  } catch {
    return false;
  }
}
