/**
 * Parsing what a request names, before anything acts on it. Any local
 * process can send the server arbitrary bytes, so every parse here either
 * succeeds or throws an InvalidArgumentError that the caller answers with a
 * 400; nothing a request carries may throw anywhere else (the server once
 * died on `Host: [`).
 */
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../common/errors';

/** Whether a Host header is a syntactically valid `host[:port]`. */
export function hostParses(host: string): boolean {
  try {
    return new URL(`http://${host}`).host !== '';
  } catch {
    return false;
  }
}

/**
 * The request's URL (only its path and query matter), checked: a valid
 * Host, an origin-form target (`/…`, or an absolute `http://` URL naming
 * the same host), and a path that percent-decodes, with no NUL, backslash
 * or `..` segment once decoded. URL parsing already removes literal `..`;
 * an encoded `%2f..` only comes from a crafted request, never a browser.
 */
export function requestUrl(req: IncomingMessage): URL {
  const host = req.headers.host;
  if (host === undefined || !hostParses(host)) throw new InvalidArgumentError('Bad Request: the Host header is not a valid host name.');
  const target = req.url ?? '';
  let url: URL;
  try {
    url = target.startsWith('/') ? new URL(`http://${host}${target}`) : new URL(target);
  } catch {
    throw new InvalidArgumentError('Bad Request: the request target is not a URL.');
  }
  if (!target.startsWith('/') && (url.protocol !== 'http:' || url.host !== new URL(`http://${host}`).host)) {
    throw new InvalidArgumentError('Bad Request: the request target names another server.');
  }
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    throw new InvalidArgumentError('Bad Request: the path is not valid percent-encoding.');
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) {
    throw new InvalidArgumentError('Bad Request: the path holds a NUL, a backslash or a `..` segment.');
  }
  return url;
}
