/**
 * The HTTP side of the API: `POST /api/{operation}` with a JSON body answers
 * an Envelope (`{result}` or `{error}`, the same as over IPC), and
 * `GET /api/download/{id}` streams a finished download (a task id or an
 * artifact item id) as an ordinary browser download, a file in one Range
 * and with its whole SHA-256 when asked (byte-range.ts, repr-digest.ts); a folder comes as a
 * .zip of the same bytes, streamed from disk. The `X-Dstack-Client` header names the caller's event socket, so
 * its subscriptions' events go back to it and end when it closes.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Envelope, OperationName } from '../common/api/operations';
import { OPERATION_NAMES } from '../common/api/operations';
import { DstackError, InvalidArgumentError, NotFoundError, toDstackError } from '../common/errors';
import type { ApiService } from '../service/api';
import { parseRange } from './byte-range';
import { reprDigest, wantsSha256 } from './repr-digest';
import { httpStatusOf } from './error-status';
import { planZip, zipStream } from './zip-stream';

/** Large enough for any operation's input (a secret value is at most 64 KiB). */
const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: Envelope<unknown>, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown, headers: Record<string, string>): void {
  const e = toDstackError(err);
  send(res, httpStatusOf(e.code), { error: e.toJSON() }, headers);
}

/** The request body as JSON: only with Content-Type application/json (no cross-site form can send it), at most MAX_BODY bytes. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    // Requiring JSON makes a cross-site form post impossible: browsers preflight this content type.
    throw new InvalidArgumentError('The request body must be JSON (Content-Type: application/json).');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new InvalidArgumentError('The request body is too large.');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('The request body is not valid JSON.');
  }
}

/** Handles one `POST /api/{op}`. */
export async function handleOperation(
  service: ApiService,
  op: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  try {
    if (!(OPERATION_NAMES as readonly string[]).includes(op)) throw new NotFoundError(`Unknown operation "${op}".`);
    const input = await readJson(req);
    const clientId = req.headers['x-dstack-client'];
    const result = await service.call(op as OperationName, input, typeof clientId === 'string' ? { clientId } : {});
    send(res, 200, { result: result ?? null }, headers);
  } catch (err) {
    sendError(res, err, headers);
  }
}

/** RFC 6266 attachment header, with an ASCII fallback name for old clients. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Handles one `GET /api/download/{id}`. */
export async function handleDownload(
  service: ApiService,
  id: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  try {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new InvalidArgumentError('Invalid download id.');
    const src = await service.downloadSource(id, abort.signal);
    const info = await stat(src.path).catch(() => undefined);
    if (!info) throw new NotFoundError(`${src.fileName} is no longer on disk.`, 'Download it again.');
    const base = { ...headers, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (info.isDirectory()) {
      const plan = await planZip(src.path, { root: src.fileName });
      res.writeHead(200, {
        ...base,
        'Content-Type': 'application/zip',
        'Content-Length': String(plan.length),
        'Content-Disposition': disposition(`${src.fileName}.zip`),
      });
      pipeline(zipStream(plan), res).catch(() => res.destroy());
      return;
    }
    const file: Record<string, string> = { ...base, 'Content-Type': 'application/octet-stream', 'Content-Disposition': disposition(src.fileName), 'Accept-Ranges': 'bytes' };
    if (wantsSha256(req)) file['Repr-Digest'] = await reprDigest(src.path, info);
    const range = parseRange(req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...file, 'Content-Range': `bytes */${info.size}`, 'Content-Length': '0' });
      return void res.end();
    }
    if (range) {
      res.writeHead(206, { ...file, 'Content-Range': `bytes ${range.start}-${range.end}/${info.size}`, 'Content-Length': String(range.end - range.start + 1) });
      pipeline(createReadStream(src.path, range), res).catch(() => res.destroy());
      return;
    }
    res.writeHead(200, { ...file, 'Content-Length': String(info.size) });
    pipeline(createReadStream(src.path), res).catch(() => res.destroy());
  } catch (err) {
    if (res.headersSent) return void res.destroy(err instanceof Error ? err : undefined);
    sendError(res, err instanceof DstackError ? err : toDstackError(err), headers);
  }
}
