/**
 * Cloud Storage's JSON API on 127.0.0.1, for the GCP backend's tests:
 * objects inserted by simple (media), multipart and resumable uploads,
 * read as metadata or bytes (alt=media, with Range), listed with prefix,
 * delimiter and page tokens (at most 1,000 entries a page, prefixes
 * counted), deleted; each with size, generation, md5Hash and crc32c, and
 * `ifGenerationMatch` answered with 412 as Cloud Storage does (0: the
 * object must not exist). A resumable session keeps what arrived in whole
 * 256 KiB units, answers 308 with `Range` until the last byte, and refuses
 * to finish when the bytes do not match the md5Hash sent at the start.
 * Preconditions are checked and the object swapped in one synchronous
 * step, so of racing writers exactly one wins.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Loopback, LoopbackReply, LoopbackRequest } from './gcp-loopback';
import { errorBody, StandinError, startLoopback } from './gcp-loopback';

interface StoredObject {
  data: Buffer;
  generation: string;
  updated: string;
  /** Computed when written, as Cloud Storage does: a test that damages `data` leaves them as they were. A composite object has no md5Hash (delete it to make one). */
  md5Hash?: string;
  crc32c: string;
}

interface Session {
  name: string;
  ifGenerationMatch?: string;
  md5Hash?: string;
  size?: number;
  received: Buffer[];
  length: number;
}

export interface GcsStandin extends Loopback {
  bucket: string;
  /** Where the bucket is, as Cloud Storage says it (`US-CENTRAL1`, `US`). */
  location: string;
  /** Buckets made with buckets.insert (setup's "create it"), by name, with their location. */
  created: Map<string, string>;
  /** What buckets.testIamPermissions grants; undefined grants everything asked. Listing buckets is refused when it lacks storage.buckets.list. */
  granted?: Set<string>;
  objects: Map<string, StoredObject>;
  /** Writes an object at once, as another client would, with a new generation. */
  write(name: string, data: Buffer): void;
}

const QUANTUM = 256 * 1024;
const MAX_RESULTS = 1000;
let lastGeneration = Date.now() * 1000;

/** CRC-32C bit by bit: slow and obviously right, independent of the product's table. */
export function crc32cValue(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** As Cloud Storage writes `crc32c`: four big-endian bytes, base64. */
export function crc32cSlow(data: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32cValue(data));
  return b.toString('base64');
}

function resource(bucket: string, name: string, o: StoredObject): object {
  return {
    kind: 'storage#object',
    bucket,
    name,
    size: String(o.data.length),
    generation: o.generation,
    metageneration: '1',
    ...(o.md5Hash ? { md5Hash: o.md5Hash } : {}),
    crc32c: o.crc32c,
    updated: o.updated,
  };
}

export async function startGcsStandin(bucket = 'dstack-test-bucket'): Promise<GcsStandin> {
  const objects = new Map<string, StoredObject>();
  const sessions = new Map<string, Session>();
  let endpoint = '';

  function precondition(name: string, want: string | null | undefined): void {
    if (want === null || want === undefined) return;
    if (!/^\d+$/.test(want)) throw new StandinError(400, `Invalid ifGenerationMatch "${want}".`);
    const cur = objects.get(name);
    if (want === '0' ? cur !== undefined : cur?.generation !== want) throw new StandinError(412, 'At least one of the pre-conditions you specified did not hold.');
  }

  /** Checks and swaps in one step: nothing awaits between the check and the write. */
  function insert(name: string, data: Buffer, ifGenerationMatch: string | null | undefined, md5Hash?: string): LoopbackReply {
    if (!name) throw new StandinError(400, 'Required parameter: name.');
    if (md5Hash !== undefined && createHash('md5').update(data).digest('base64') !== md5Hash) {
      throw new StandinError(400, 'Provided MD5 hash does not match the calculated MD5 hash of the data.');
    }
    precondition(name, ifGenerationMatch);
    const o = { data, generation: String(++lastGeneration), updated: new Date().toISOString(), md5Hash: createHash('md5').update(data).digest('base64'), crc32c: crc32cSlow(data) };
    objects.set(name, o);
    return { status: 200, body: resource(bucket, name, o) };
  }

  function multipart(req: LoopbackRequest): LoopbackReply {
    const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
    if (!boundary) throw new StandinError(400, 'A multipart upload needs a boundary.');
    const sep = Buffer.from(`--${boundary}`);
    const parts: Buffer[] = [];
    for (let at = req.body.indexOf(sep); at >= 0; ) {
      const next = req.body.indexOf(sep, at + sep.length);
      if (next < 0) break;
      parts.push(req.body.subarray(at + sep.length, next));
      at = next;
    }
    const bodies = parts.map((p) => {
      const split = p.indexOf('\r\n\r\n');
      if (split < 0) throw new StandinError(400, 'A multipart part has no headers.');
      return p.subarray(split + 4, p.length - 2);
    });
    if (bodies.length !== 2) throw new StandinError(400, `A multipart upload has 2 parts, not ${bodies.length}.`);
    const meta = JSON.parse(bodies[0]!.toString()) as { name?: string; md5Hash?: string };
    return insert(meta.name ?? req.query.get('name') ?? '', bodies[1]!, req.query.get('ifGenerationMatch'), meta.md5Hash);
  }

  function startSession(req: LoopbackRequest): LoopbackReply {
    const meta = req.body.length ? (JSON.parse(req.body.toString()) as { name?: string; md5Hash?: string }) : {};
    const name = meta.name ?? req.query.get('name');
    if (!name) throw new StandinError(400, 'Required parameter: name.');
    const id = randomBytes(12).toString('hex');
    const want = req.query.get('ifGenerationMatch') ?? undefined;
    sessions.set(id, { name, received: [], length: 0, ...(want ? { ifGenerationMatch: want } : {}), ...(meta.md5Hash ? { md5Hash: meta.md5Hash } : {}) });
    return { status: 200, headers: { location: `${endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&upload_id=${id}` } };
  }

  function kept(s: Session): LoopbackReply {
    return { status: 308, headers: s.length ? { range: `bytes=0-${s.length - 1}` } : {} };
  }

  function chunk(req: LoopbackRequest): LoopbackReply {
    const s = sessions.get(req.query.get('upload_id') ?? '');
    if (!s) throw new StandinError(404, 'No such upload session.');
    const range = /^bytes (\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(req.headers['content-range'] ?? '');
    if (!range) throw new StandinError(400, 'Content-Range must be "bytes a-b/total", "bytes a-b/*" or "bytes */total".');
    if (range[4] !== '*') s.size = Number(range[4]);
    if (range[1] !== '*') {
      const first = Number(range[2]);
      const last = Number(range[3]);
      if (last - first + 1 !== req.body.length) throw new StandinError(400, 'Content-Range does not match the body length.');
      if (first > s.length) throw new StandinError(400, `Bytes from ${s.length} are missing; this chunk starts at ${first}.`);
      const fresh = req.body.subarray(s.length - first);
      const final = s.size !== undefined && last + 1 === s.size;
      if (!final && (last + 1) % QUANTUM !== 0) throw new StandinError(400, 'A chunk other than the last must end on a multiple of 256 KiB.');
      s.received.push(fresh);
      s.length += fresh.length;
    }
    if (s.size === undefined || s.length < s.size) return kept(s);
    sessions.delete(req.query.get('upload_id')!);
    return insert(s.name, Buffer.concat(s.received), s.ifGenerationMatch, s.md5Hash);
  }

  function list(q: URLSearchParams): LoopbackReply {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const max = Math.min(Number(q.get('maxResults') ?? MAX_RESULTS) || MAX_RESULTS, MAX_RESULTS);
    const after = q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString() : undefined;
    const items: object[] = [];
    const prefixes: string[] = [];
    let last: string | undefined;
    let more = false;
    for (const name of [...objects.keys()].filter((n) => n.startsWith(prefix)).sort()) {
      if (after !== undefined && (name <= after || (after.endsWith(delimiter) && delimiter && name.startsWith(after)))) continue;
      const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
      const entry = cut >= 0 ? name.slice(0, cut + delimiter.length) : name;
      if (entry === last) continue;
      if (items.length + prefixes.length >= max) {
        more = true;
        break;
      }
      if (cut >= 0) prefixes.push(entry);
      else items.push(resource(bucket, name, objects.get(name)!));
      last = entry;
    }
    return { status: 200, body: { kind: 'storage#objects', ...(items.length ? { items } : {}), ...(prefixes.length ? { prefixes } : {}), ...(more ? { nextPageToken: Buffer.from(last!).toString('base64url') } : {}) } };
  }

  function media(req: LoopbackRequest, name: string, o: StoredObject): LoopbackReply {
    const headers = {
      'x-goog-generation': o.generation,
      'x-goog-hash': o.md5Hash ? `crc32c=${o.crc32c},md5=${o.md5Hash}` : `crc32c=${o.crc32c}`,
      'content-type': 'application/octet-stream',
    };
    const range = req.headers.range;
    if (!range) return { status: 200, headers, body: o.data };
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    if (!m) throw new StandinError(400, `Unsupported Range "${range}".`);
    const first = Number(m[1]);
    const last = Math.min(m[2] ? Number(m[2]) : o.data.length - 1, o.data.length - 1);
    if (first > last) return { status: 416, body: errorBody(416, `The requested range of ${name} cannot be satisfied.`) };
    return { status: 206, headers: { ...headers, 'content-range': `bytes ${first}-${last}/${o.data.length}` }, body: o.data.subarray(first, last + 1) };
  }

  function object(req: LoopbackRequest, name: string): LoopbackReply {
    const o = objects.get(name);
    if (req.method === 'DELETE') {
      if (!o) throw new StandinError(404, `No such object: ${bucket}/${name}`);
      precondition(name, req.query.get('ifGenerationMatch'));
      objects.delete(name);
      return { status: 204 };
    }
    if (!o) throw new StandinError(404, `No such object: ${bucket}/${name}`);
    precondition(name, req.query.get('ifGenerationMatch'));
    return req.query.get('alt') === 'media' ? media(req, name, o) : { status: 200, body: resource(bucket, name, o) };
  }

  // Answered a tick later, so a refused request (a 412, a 400) is counted under its route too.
  const later = (fn: () => LoopbackReply) => Promise.resolve().then(fn);
  /** buckets.get, buckets.list, buckets.insert and buckets.testIamPermissions: what setup calls. */
  function bucketCall(req: LoopbackRequest): { route: string; reply: LoopbackReply } | undefined {
    if (req.path === '/storage/v1/b') {
      if (req.method === 'GET') {
        if (lb.granted && !lb.granted.has('storage.buckets.list')) throw new StandinError(403, 'does not have storage.buckets.list access to the Google Cloud project.');
        return { route: 'buckets-list', reply: { status: 200, body: { items: [{ name: bucket, location: lb.location }, ...[...lb.created].map(([name, location]) => ({ name, location }))] } } };
      }
      const meta = JSON.parse(req.body.toString() || '{}') as { name?: string; location?: string };
      if (!meta.name) throw new StandinError(400, 'Required parameter: name.');
      if (meta.name === bucket || lb.created.has(meta.name)) throw new StandinError(409, 'Your previous request to create the named bucket succeeded and you already own it.');
      lb.created.set(meta.name, (meta.location ?? 'US').toUpperCase());
      return { route: 'buckets-insert', reply: { status: 200, body: { name: meta.name, location: lb.created.get(meta.name) } } };
    }
    const m = /^\/storage\/v1\/b\/([^/]+)(\/iam\/testPermissions)?$/.exec(req.path);
    if (!m) return undefined;
    const name = decodeURIComponent(m[1]!);
    const location = name === bucket ? lb.location : lb.created.get(name);
    if (location === undefined) throw new StandinError(404, 'The specified bucket does not exist.');
    if (!m[2]) return { route: 'buckets-get', reply: { status: 200, body: { name, location } } };
    const asked = req.query.getAll('permissions');
    return { route: 'buckets-testIamPermissions', reply: { status: 200, body: { permissions: asked.filter((p) => !lb.granted || lb.granted.has(p)) } } };
  }

  const lb: GcsStandin = Object.assign(await startLoopback((req) => {
    const b = bucketCall(req);
    if (b) return b;
    const m = /^\/(upload\/)?storage\/v1\/b\/([^/]+)\/o(?:\/([^/]+))?$/.exec(req.path);
    if (!m) return { route: 'unknown', reply: { status: 404, body: errorBody(404, `Not found: ${req.path}`) } };
    if (decodeURIComponent(m[2]!) !== bucket) return { route: 'no-bucket', reply: { status: 404, body: errorBody(404, 'The specified bucket does not exist.') } };
    const name = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
    const uploadType = req.query.get('uploadType');
    if (m[1]) {
      if (req.method === 'PUT' && uploadType === 'resumable') return { route: 'upload-chunk', reply: later(() => chunk(req)) };
      if (req.method !== 'POST') throw new StandinError(405, `${req.method} is not an upload.`);
      if (uploadType === 'media') return { route: 'upload-media', reply: later(() => insert(req.query.get('name') ?? '', req.body, req.query.get('ifGenerationMatch'))) };
      if (uploadType === 'multipart') return { route: 'upload-multipart', reply: later(() => multipart(req)) };
      if (uploadType === 'resumable') return { route: 'upload-start', reply: later(() => startSession(req)) };
      throw new StandinError(400, `Unknown uploadType "${uploadType}".`);
    }
    if (name === undefined) {
      if (req.method !== 'GET') throw new StandinError(405, `${req.method} on the object list.`);
      return { route: 'list', reply: later(() => list(req.query)) };
    }
    const route = req.method === 'DELETE' ? 'delete' : req.query.get('alt') === 'media' ? (req.headers.range ? 'get-range' : 'get-media') : 'get-metadata';
    return { route, reply: later(() => object(req, name)) };
  }), { bucket, location: 'US-CENTRAL1', created: new Map<string, string>(), objects, write: (name: string, data: Buffer) => void insert(name, data, undefined) });
  endpoint = lb.endpoint;
  return lb;
}
