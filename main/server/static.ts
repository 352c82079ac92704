/**
 * Serves the built renderer (`out/renderer`). Unknown paths without a file
 * extension get `index.html`, so a reload on a client-side route works; a
 * path that resolves outside the folder is refused. Hashed assets are
 * cached for a long time, `index.html` never (it names the current hashes).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The file a URL path names inside `root`, or undefined when it would leave it. */
export function resolveStatic(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = normalize(join(root, decoded));
  return full === root || full.startsWith(root.endsWith(sep) ? root : root + sep) ? full : undefined;
}

/** Sends a static file; returns false when there is nothing to send (the caller answers 404). */
export async function sendStatic(root: string, pathname: string, res: ServerResponse, headers: Record<string, string>): Promise<boolean> {
  let file = resolveStatic(root, pathname === '/' ? '/index.html' : pathname);
  if (!file) return false;
  let info = await stat(file).catch(() => undefined);
  if (!info?.isFile() && !extname(file)) {
    file = join(root, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return false;
  const isIndex = file.endsWith(`${sep}index.html`);
  res.writeHead(200, {
    ...headers,
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    'Cache-Control': isIndex ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  // A read error (the file vanished or is unreadable) ends this response, not the process.
  pipeline(createReadStream(file), res).catch(() => res.destroy());
  return true;
}
