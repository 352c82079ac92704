/**
 * Object requests (GETs, PUTs, part uploads) without the SDK's per-request
 * pipeline. Its middleware costs about a millisecond of CPU per request: at
 * 10,000 small files as much CPU as the S3 server's own work on a 2-core
 * machine. Here a request is signed by the SDK's own signer
 * (@smithy/signature-v4, cached per bucket route with its cached signing
 * key) and sent by undici on kept-alive connections, one dispatcher per
 * bucket route, which honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
 *
 * The route (object-route.ts) and the keys (the client's own credential
 * provider, which refreshes them) come from the S3 client, so a request
 * goes where and as the SDK's own command would. Reads are in
 * object-reader.ts, writes in object-writer.ts.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { SignatureV4 } from '@smithy/signature-v4';
import { EnvHttpProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';
import type { ObjectRoute } from './object-route';
import { resolveObjectRoute } from './object-route';
import type { S3Target } from './target';

export interface ObjectRequest {
  method: 'GET' | 'PUT';
  key: string;
  /** Query parameters, e.g. `partNumber` and `uploadId` of a part. */
  query?: Record<string, string>;
  /** Headers to send and sign (lower case), besides host, date and authorization. */
  headers: Record<string, string>;
  body?: Buffer | AsyncIterable<Buffer>;
  signal?: AbortSignal;
}

export type ObjectResponse = Dispatcher.ResponseData;

interface Route {
  route: ObjectRoute;
  url: URL;
  dispatcher: Dispatcher;
  signer: SignatureV4;
}

const STATUS_NAMES: Record<number, string> = { 301: 'PermanentRedirect', 403: 'AccessDenied', 404: 'NotFound', 409: 'Conflict', 412: 'PreconditionFailed', 503: 'SlowDown' };
/** undici's failures as the network codes errors.ts knows worth a retry. */
const UNDICI_CODES: Record<string, string> = {
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CLOSED: 'ECONNRESET',
  UND_ERR_DESTROYED: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
};
/** Connections per bucket route: transfers run 8 parts per large file and up to 48 small files at once. */
const CONNECTIONS = 128;
/** Milliseconds from sending a request to the start of its answer, through any proxy. */
const HEAD_TIMEOUT = 60_000;
const channels = new WeakMap<S3Client, Map<string, ObjectHttp>>();

/** Signed object requests to one bucket through one client's endpoint and credentials. */
export class ObjectHttp {
  private route?: Promise<Route>;

  private constructor(private readonly t: S3Target) {}

  /** The channel for this client and bucket, so connections and the signer are kept across transfers. */
  static for(t: S3Target): ObjectHttp {
    let byBucket = channels.get(t.client);
    if (!byBucket) channels.set(t.client, (byBucket = new Map()));
    let channel = byBucket.get(t.bucket);
    if (!channel) byBucket.set(t.bucket, (channel = new ObjectHttp(t)));
    return channel;
  }

  /** Sends the request; resolves once the answer's head is in, whatever its status. */
  async send(req: ObjectRequest): Promise<ObjectResponse> {
    const routed = this.resolve();
    const r = await routed;
    const path = r.route.base + encodeKey(req.key);
    const query = req.query ?? {};
    const search = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const signed = await r.signer.sign(
      { method: req.method, protocol: r.url.protocol, hostname: r.url.hostname, port: r.url.port ? Number(r.url.port) : undefined, path, headers: { ...req.headers, host: r.url.host }, query },
      { signingDate: new Date(Date.now() + (this.t.client.config.systemClockOffset ?? 0)) },
    );
    // undici 7 (7.30.2) retries a CONNECT that a proxy tears down forever, deaf to the signal
    // (nodejs/undici#3897): a request whose answer does not begin within HEAD_TIMEOUT fails, and its
    // dispatcher is destroyed, so the loop ends and the next request (a retry) gets a fresh one.
    let timer: NodeJS.Timeout | undefined;
    const noHead = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (this.route === routed) this.route = undefined;
        r.dispatcher.destroy().catch(() => undefined);
        reject(Object.assign(new Error(`No answer from ${r.route.origin} within ${HEAD_TIMEOUT / 1000} s`), { code: 'ETIMEDOUT' }));
      }, HEAD_TIMEOUT);
    });
    try {
      const asked = r.dispatcher.request({
        origin: r.route.origin, path: search ? `${path}?${search}` : path, method: req.method, headers: signed.headers, body: bodyOf(req.body), signal: req.signal,
      });
      asked.catch(() => undefined);
      return await Promise.race([asked, noHead]).finally(() => clearTimeout(timer));
    } catch (err) {
      throw netErrorOf(err);
    }
  }

  private resolve(): Promise<Route> {
    this.route ??= resolveObjectRoute(this.t).then(
      (route) => ({
        route,
        url: new URL(route.origin),
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

/** A streamed body as a byte stream that reads one piece ahead of the socket, no more. */
function bodyOf(body: ObjectRequest['body']): Buffer | Readable | undefined {
  return body === undefined || Buffer.isBuffer(body) ? body : Readable.from(body, { objectMode: false, highWaterMark: 1 });
}

type Headers = Record<string, string | string[] | undefined>;

/** One header of an answer, as a string. */
export function header(h: Headers, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** The key as the SDK encodes it into a path: each segment percent-encoded, `/` kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** S3's XML error answer as an error shaped like the SDK's (name = S3's code, HTTP status in $metadata), for errors.ts to map. */
export async function s3ErrorOf(res: ObjectResponse): Promise<Error> {
  const xml = await res.body.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  const message = unescapeXml(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? `S3 answered HTTP ${res.statusCode}.`);
  return Object.assign(new Error(message), { name: code || STATUS_NAMES[res.statusCode] || `Http${res.statusCode}`, $metadata: { httpStatusCode: res.statusCode } });
}

/** An undici failure with the network code errors.ts retries on; anything else as it is. */
export function netErrorOf(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  const mapped = code ? UNDICI_CODES[code] : undefined;
  return mapped ? Object.assign(new Error((err as Error).message, { cause: err }), { code: mapped }) : err;
}

function unescapeXml(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, n: string) => named[n]!);
}
