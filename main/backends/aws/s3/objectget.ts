/**
 * Object GETs for downloads, without the SDK's per-request pipeline. Its
 * middleware, signer and response streams cost about a millisecond of CPU
 * per request plus a fresh buffer per socket read: at 10,000 small files,
 * or the 64 ranged GETs of a GiB, as much CPU as the S3 server's own work on
 * a 2-core machine. Here a GET is a signed request line on a kept-alive
 * connection (http1.ts, sigv4.ts).
 *
 * The SDK still decides where requests go and what signs them: one
 * GetObject per client and bucket runs through its whole pipeline and stops
 * after signing, before anything is sent. That yields the endpoint, the
 * addressing style and the signing region exactly as the SDK would use
 * them (AWS_ENDPOINT_URL, FIPS, path style…); the keys come from the
 * client's own credential provider, which refreshes them as it does for
 * the SDK's requests.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DstackError } from '../../../common/errors';
import type { BodySink, HttpResponse, Origin, ResponseHead } from './http1';
import { Http1Pool } from './http1';
import { GetSigner } from './sigv4';
import type { S3Target } from './target';

/** Thrown when the object is no longer the version a download is pinned to. */
export class ObjectChangedError extends Error {}

export interface ObjectGet {
  key: string;
  /** The ETag (unquoted) the bytes must belong to: S3 refuses any other version (If-Match). */
  etag: string;
  /** First and last byte, inclusive; absent for the whole object. */
  range?: [number, number];
  signal?: AbortSignal;
}

/** Where GETs for one bucket go and how they are signed, as the SDK would send them. */
export interface ObjectEndpoint {
  origin: Origin;
  /** The Host header. */
  host: string;
  /** The path up to the key: `/bucket/` for path style, `/` for virtual hosts. */
  base: string;
  region: string;
  service: string;
}

interface Route {
  endpoint: ObjectEndpoint;
  pool: Http1Pool;
  signer: GetSigner;
}

/** What the probe keeps of the SDK's signed request. */
interface SignedRequest {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
}

const PROBE_KEY = 'dstack-route-probe';
const STATUS_NAMES: Record<number, string> = { 301: 'PermanentRedirect', 403: 'AccessDenied', 404: 'NotFound', 503: 'SlowDown' };
const readers = new WeakMap<S3Client, Map<string, ObjectReader>>();

/** GETs objects of one bucket through one client's endpoint and credentials. */
export class ObjectReader {
  private route?: Promise<Route>;

  private constructor(private readonly t: S3Target) {}

  /** The reader for this client and bucket, so connections are kept across downloads. */
  static for(t: S3Target): ObjectReader {
    let byBucket = readers.get(t.client);
    if (!byBucket) readers.set(t.client, (byBucket = new Map()));
    let reader = byBucket.get(t.bucket);
    if (!reader) byBucket.set(t.bucket, (reader = new ObjectReader(t)));
    return reader;
  }

  /** The object, or the range of it, in memory. */
  async read(req: ObjectGet): Promise<Buffer> {
    return (await this.send(req, undefined)).body!;
  }

  /** The object, or the range of it, written into `sink` as it arrives. */
  async stream(req: ObjectGet, sink: BodySink): Promise<void> {
    await this.send(req, sink);
  }

  private async send(req: ObjectGet, sink: BodySink | undefined): Promise<HttpResponse> {
    const route = await this.resolveRoute();
    const config = this.t.client.config;
    const creds = await config.credentials();
    const path = route.endpoint.base + encodeKey(req.key);
    const headers: Record<string, string> = { 'if-match': `"${req.etag}"` };
    if (req.range) headers.range = `bytes=${req.range[0]}-${req.range[1]}`;
    const now = new Date(Date.now() + (config.systemClockOffset ?? 0));
    const res = await route.pool.get(path, route.signer.sign(path, route.endpoint.host, headers, creds, now), (head) => {
      if (head.status >= 300) return undefined;
      checkHead(head, req);
      return sink;
    }, req.signal);
    if (res.status >= 300) throw s3ErrorOf(res);
    return res;
  }

  private resolveRoute(): Promise<Route> {
    this.route ??= probeEndpoint(this.t).then(
      (endpoint) => ({
        endpoint,
        pool: new Http1Pool(endpoint.origin, { connectTimeout: 10_000, socketTimeout: 60_000 }),
        signer: new GetSigner(endpoint.region, endpoint.service),
      }),
      (err: unknown) => {
        this.route = undefined;
        throw err;
      },
    );
    return this.route;
  }
}

/** Runs a GetObject through the SDK up to its signature and keeps where and how it would have been sent. */
export async function probeEndpoint(t: S3Target): Promise<ObjectEndpoint> {
  const cmd = new GetObjectCommand({ Bucket: t.bucket, Key: PROBE_KEY });
  let sent: SignedRequest | undefined;
  cmd.middlewareStack.addRelativeTo(
    () => async (args: { request: unknown }) => {
      sent = args.request as SignedRequest;
      return { output: { $metadata: {} }, response: {} };
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'dstackRouteProbe' },
  );
  await t.client.send(cmd);
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(sent?.headers.authorization ?? ''));
  if (!sent || !scope || !sent.path.endsWith(`/${PROBE_KEY}`) || (sent.protocol !== 'http:' && sent.protocol !== 'https:')) {
    throw new DstackError('config', `Downloads from the S3 bucket "${t.bucket}" need Signature Version 4 requests to an http(s) endpoint, which this configuration does not produce.`, {
      fix: 'Use a regular S3 bucket (or an S3-compatible endpoint) with `dstack config aws`.',
    });
  }
  const port = sent.port ?? (sent.protocol === 'https:' ? 443 : 80);
  return {
    origin: { protocol: sent.protocol, hostname: sent.hostname, port },
    host: sent.headers.host ?? sent.hostname,
    base: sent.path.slice(0, -PROBE_KEY.length),
    region: scope[1]!,
    service: scope[2]!,
  };
}

/** Refuses an answer that is not the asked-for bytes of the pinned version. */
function checkHead(head: ResponseHead, req: ObjectGet): void {
  if ((head.headers.etag ?? '').replace(/"/g, '') !== req.etag) throw new ObjectChangedError();
  const length = Number(head.headers['content-length']);
  const ok = req.range
    ? head.status === 206 && (head.headers['content-range'] ?? '').startsWith(`bytes ${req.range[0]}-${req.range[1]}/`) && length === req.range[1] - req.range[0] + 1
    : head.status === 200;
  if (!ok) throw new Error(`S3 answered a GET of ${req.range ? `bytes ${req.range[0]}-${req.range[1]}` : 'the whole object'} with something else (HTTP ${head.status}).`);
}

/** The key as the SDK encodes it into a path: each segment percent-encoded, `/` kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** S3's XML error document as an error shaped like the SDK's, for errors.ts to map. */
function s3ErrorOf(res: HttpResponse): Error {
  const xml = res.body?.toString('utf8') ?? '';
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  if (res.status === 412 || code === 'PreconditionFailed') return new ObjectChangedError();
  const message = unescapeXml(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? `S3 answered HTTP ${res.status}.`);
  return Object.assign(new Error(message), { name: code || STATUS_NAMES[res.status] || `Http${res.status}`, $metadata: { httpStatusCode: res.status } });
}

function unescapeXml(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, n: string) => named[n]!);
}
