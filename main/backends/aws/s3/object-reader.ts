/**
 * Object GETs for downloads, without the SDK's per-request pipeline. Its
 * middleware and response streams cost about a millisecond of CPU per
 * request: at 10,000 small files, or the 64 ranged GETs of a GiB, as much
 * CPU as the S3 server's own work on a 2-core machine. Here a GET is signed
 * by the SDK's own signer (@smithy/signature-v4, with its cached signing
 * key) and sent by undici on kept-alive connections, one dispatcher per
 * bucket route, which honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
 *
 * The route (object-route.ts) and the keys (the client's own credential
 * provider, which refreshes them) come from the S3 client, so a GET goes
 * where and as the SDK's GetObject would.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';
import type { ObjectRoute } from './object-route';
import { resolveObjectRoute } from './object-route';
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

/** Where a response body goes as it arrives. */
export interface BodySink {
  /** Takes the next body bytes; a returned promise pauses reading until it settles, and fails the GET if it rejects. */
  write(bytes: Buffer): Promise<void> | undefined;
}

interface Route {
  route: ObjectRoute;
  host: string;
  dispatcher: Dispatcher;
  signer: SignatureV4;
}

/** The SHA-256 of an empty body, sent and signed for every GET. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const STATUS_NAMES: Record<number, string> = { 301: 'PermanentRedirect', 403: 'AccessDenied', 404: 'NotFound', 503: 'SlowDown' };
/** undici's failures as the network codes errors.ts knows worth a retry. */
const UNDICI_CODES: Record<string, string> = {
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CLOSED: 'ECONNRESET',
  UND_ERR_DESTROYED: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
};
/** Connections per bucket route: transfers run 8 ranged GETs per large file and up to 64 small files at once. */
const CONNECTIONS = 128;
/** Milliseconds from sending a GET to the start of its answer, through any proxy. */
const HEAD_TIMEOUT = 60_000;
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
    const pieces: Buffer[] = [];
    await this.stream(req, { write: (b) => void pieces.push(b) });
    return Buffer.concat(pieces);
  }

  /** The object, or the range of it, written into `sink` as it arrives. */
  async stream(req: ObjectGet, sink: BodySink): Promise<void> {
    const routed = this.resolve();
    const r = await routed;
    const path = r.route.base + encodeKey(req.key);
    const headers: Record<string, string> = { host: r.host, 'if-match': `"${req.etag}"`, 'x-amz-content-sha256': EMPTY_SHA256 };
    if (req.range) headers.range = `bytes=${req.range[0]}-${req.range[1]}`;
    const url = new URL(r.route.origin);
    const signed = await r.signer.sign(
      { method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path, headers, query: {} },
      { signingDate: new Date(Date.now() + (this.t.client.config.systemClockOffset ?? 0)) },
    );
    // undici 7 (7.30.2) retries a CONNECT that a proxy tears down forever, deaf to the signal
    // (nodejs/undici#3897): a GET whose answer does not begin within HEAD_TIMEOUT fails, and its
    // dispatcher is destroyed, so the loop ends and the next GET (a retry) gets a fresh one.
    let timer: NodeJS.Timeout | undefined;
    const noHead = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (this.route === routed) this.route = undefined;
        r.dispatcher.destroy().catch(() => undefined);
        reject(Object.assign(new Error(`No answer from ${r.route.origin} within ${HEAD_TIMEOUT / 1000} s`), { code: 'ETIMEDOUT' }));
      }, HEAD_TIMEOUT);
    });
    try {
      const asked = r.dispatcher.request({ origin: r.route.origin, path, method: 'GET', headers: signed.headers, signal: req.signal });
      asked.catch(() => undefined);
      const res = await Promise.race([asked, noHead]).finally(() => clearTimeout(timer));
      if (res.statusCode >= 300) throw s3ErrorOf(res.statusCode, await res.body.text());
      try {
        checkHead(res.statusCode, res.headers, req);
      } catch (err) {
        res.body.destroy();
        throw err;
      }
      await drain(res.body, sink);
    } catch (err) {
      throw netErrorOf(err);
    }
  }

  private resolve(): Promise<Route> {
    this.route ??= resolveObjectRoute(this.t).then(
      (route) => ({
        route,
        host: new URL(route.origin).host,
        dispatcher: new EnvHttpProxyAgent({ connections: CONNECTIONS, connect: { timeout: 10_000 }, headersTimeout: HEAD_TIMEOUT, bodyTimeout: 60_000 }),
        signer: new SignatureV4({
          credentials: this.t.client.config.credentials,
          region: route.signingRegion,
          service: route.signingName,
          sha256: this.t.client.config.sha256,
          // The path is encoded once, by encodeKey, as S3 signs it.
          uriEscapePath: false,
        }),
      }),
      (err: unknown) => {
        this.route = undefined;
        throw err;
      },
    );
    return this.route;
  }
}

/** Feeds the body to the sink, pausing while the sink's promise is pending (events cost less CPU per chunk than async iteration). */
function drain(body: Dispatcher.ResponseData['body'], sink: BodySink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    body.on('error', reject);
    body.on('end', resolve);
    body.on('data', (chunk: Buffer) => {
      const wait = sink.write(chunk);
      if (!wait) return;
      body.pause();
      wait.then(() => body.resume(), (err: unknown) => body.destroy(err as Error));
    });
  });
}

type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string => {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
};

/** Refuses an answer that is not the asked-for bytes of the pinned version. */
function checkHead(status: number, headers: Headers, req: ObjectGet): void {
  if (header(headers, 'etag').replace(/"/g, '') !== req.etag) throw new ObjectChangedError();
  const length = Number(header(headers, 'content-length'));
  const ok = req.range
    ? status === 206 && header(headers, 'content-range').startsWith(`bytes ${req.range[0]}-${req.range[1]}/`) && length === req.range[1] - req.range[0] + 1
    : status === 200;
  if (!ok) throw new Error(`S3 answered a GET of ${req.range ? `bytes ${req.range[0]}-${req.range[1]}` : 'the whole object'} with something else (HTTP ${status}).`);
}

/** The key as the SDK encodes it into a path: each segment percent-encoded, `/` kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** S3's XML error document as an error shaped like the SDK's, for errors.ts to map. */
function s3ErrorOf(status: number, xml: string): Error {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  if (status === 412 || code === 'PreconditionFailed') return new ObjectChangedError();
  const message = unescapeXml(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? `S3 answered HTTP ${status}.`);
  return Object.assign(new Error(message), { name: code || STATUS_NAMES[status] || `Http${status}`, $metadata: { httpStatusCode: status } });
}

/** An undici failure with the network code errors.ts retries on; anything else as it is. */
function netErrorOf(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  const mapped = code ? UNDICI_CODES[code] : undefined;
  return mapped ? Object.assign(new Error((err as Error).message, { cause: err }), { code: mapped }) : err;
}

function unescapeXml(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, n: string) => named[n]!);
}
