/**
 * Cloud Logging's REST API (v2 entries:write and entries:list) on
 * 127.0.0.1. It keeps entries per log, drops a resent entry with the same
 * insertId and timestamp as Cloud Logging does, and lists them oldest first
 * for the one filter shape the backend sends: `logName="…"` and an optional
 * `AND timestamp>="…"`; any other filter is a 400, so a change to the
 * query shows here. `visibleAfterMs` holds new entries back from listings
 * for a while, as Cloud Logging's ingestion delay does.
 */
import type { Loopback, LoopbackReply, LoopbackRequest } from './gcp-loopback';
import { StandinError, startLoopback } from './gcp-loopback';

interface StoredEntry {
  entry: { insertId?: string; timestamp?: string; [k: string]: unknown };
  time: number;
  visibleAt: number;
}

export interface LoggingStandin extends Loopback {
  project: string;
  /** Entries by full log name. */
  logs: Map<string, StoredEntry[]>;
  /** New entries stay out of listings this long. */
  visibleAfterMs: number;
}

const LOG_NAME = /^projects\/([^/]+)\/logs\/([A-Za-z0-9._%/-]{1,512})$/;
const FILTER = /^logName="([^"]+)"(?: AND timestamp>="([^"]+)")?$/;

export async function startLoggingStandin(project = 'dstack-test-project'): Promise<LoggingStandin> {
  const logs = new Map<string, StoredEntry[]>();
  // Set once the server is up; the handlers read the knob from what the test holds.
  let st = { visibleAfterMs: 0 } as LoggingStandin;

  function json(req: LoopbackRequest): Record<string, unknown> {
    try {
      return JSON.parse(req.body.toString()) as Record<string, unknown>;
    } catch {
      throw new StandinError(400, 'The body is not JSON.');
    }
  }

  function write(req: LoopbackRequest): LoopbackReply {
    const body = json(req);
    const logName = body.logName;
    if (typeof logName !== 'string' || !LOG_NAME.test(logName) || LOG_NAME.exec(logName)![1] !== project) throw new StandinError(400, `Invalid logName "${String(logName)}".`);
    if (!Array.isArray(body.entries) || body.entries.length === 0 || body.entries.length > 1000) throw new StandinError(400, 'entries must hold 1 to 1,000 entries.');
    const list = logs.get(logName) ?? [];
    logs.set(logName, list);
    for (const e of body.entries as StoredEntry['entry'][]) {
      const time = Date.parse(e.timestamp ?? '');
      if (!Number.isFinite(time)) throw new StandinError(400, 'Every entry needs a timestamp.');
      if (Buffer.byteLength(JSON.stringify(e)) > 256 * 1024) throw new StandinError(400, 'Log entry with size larger than 256 KB.');
      if (e.insertId && list.some((s) => s.entry.insertId === e.insertId && s.time === time)) continue;
      list.push({ entry: { ...e, logName }, time, visibleAt: Date.now() + st.visibleAfterMs });
    }
    return { status: 200, body: {} };
  }

  function list(req: LoopbackRequest): LoopbackReply {
    const body = json(req);
    if (!Array.isArray(body.resourceNames) || !body.resourceNames.includes(`projects/${project}`)) throw new StandinError(400, 'resourceNames must name the project.');
    const m = FILTER.exec(String(body.filter ?? ''));
    if (!m) throw new StandinError(400, `Unsupported filter "${String(body.filter)}".`);
    if (body.orderBy !== undefined && body.orderBy !== 'timestamp asc') throw new StandinError(400, `Unsupported orderBy "${String(body.orderBy)}".`);
    const since = m[2] ? Date.parse(m[2]) : 0;
    const size = Math.min(Number(body.pageSize ?? 50) || 50, 1000);
    const offset = body.pageToken ? Number(Buffer.from(String(body.pageToken), 'base64url').toString()) : 0;
    const now = Date.now();
    const matching = (logs.get(m[1]!) ?? [])
      .filter((s) => s.time >= since && s.visibleAt <= now)
      .map((s, i) => ({ s, i }))
      .sort((a, b) => a.s.time - b.s.time || a.i - b.i)
      .map(({ s }) => s.entry);
    const page = matching.slice(offset, offset + size);
    const next = offset + size < matching.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    return { status: 200, body: { ...(page.length ? { entries: page } : {}), ...(next ? { nextPageToken: next } : {}) } };
  }

  const lb = await startLoopback((req) => {
    if (req.method === 'POST' && req.path === '/v2/entries:write') return { route: 'write', reply: write(req) };
    if (req.method === 'POST' && req.path === '/v2/entries:list') return { route: 'list', reply: list(req) };
    throw new StandinError(404, `Not found: ${req.method} ${req.path}`);
  });
  st = Object.assign(lb, { project, logs, visibleAfterMs: 0 });
  return st;
}
