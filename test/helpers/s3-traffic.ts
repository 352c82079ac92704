/**
 * A pass-through HTTP proxy in front of s3rver that names and counts the S3
 * operations going through it, as the server receives them. Downloads send
 * their GETs without the SDK's pipeline (main/backends/aws/s3/object-reader.ts), so only
 * the wire sees every request; operations get the SDK's command names so
 * tests read the same either way.
 *
 * It also checks every request's Signature Version 4 with the SDK's own
 * signer, as S3 does and s3rver does not (it only looks up the access key),
 * and answers a mismatch with S3's SignatureDoesNotMatch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Traffic {
  /** Point the client here instead of at s3rver. */
  endpoint: string;
  /** Requests received, by operation (e.g. `GetObjectCommand`). */
  counts: Map<string, number>;
  /** Most requests of one operation in flight at once. */
  peak: Map<string, number>;
  /** Awaited before a request is forwarded; `n` counts that operation's requests so far. */
  beforeForward?: (operation: string, n: number) => Promise<void> | void;
  /** A byte count to cut the answer's body after, dropping the connection as a flaky network would. */
  dropAfter?: (operation: string, n: number) => number | undefined;
  stop(): Promise<void>;
}

/** The SDK command an S3 request with this method, path-style URL and headers comes from. */
export function operationOf(method: string, url: string, headers: IncomingMessage['headers']): string {
  const u = new URL(url, 'http://x');
  const q = u.searchParams;
  const onKey = u.pathname.split('/').filter(Boolean).length > 1;
  switch (method) {
    case 'GET':
      if (q.has('list-type')) return 'ListObjectsV2Command';
      if (q.has('uploads')) return 'ListMultipartUploadsCommand';
      if (q.has('lifecycle')) return 'GetBucketLifecycleConfigurationCommand';
      return onKey ? 'GetObjectCommand' : 'ListObjectsCommand';
    case 'HEAD':
      return onKey ? 'HeadObjectCommand' : 'HeadBucketCommand';
    case 'PUT':
      if (q.has('partNumber')) return 'UploadPartCommand';
      if (headers['x-amz-copy-source']) return 'CopyObjectCommand';
      if (q.has('lifecycle')) return 'PutBucketLifecycleConfigurationCommand';
      return onKey ? 'PutObjectCommand' : 'CreateBucketCommand';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUploadCommand';
      if (q.has('uploadId')) return 'CompleteMultipartUploadCommand';
      if (q.has('delete')) return 'DeleteObjectsCommand';
      break;
    case 'DELETE':
      if (q.has('uploadId')) return 'AbortMultipartUploadCommand';
      return onKey ? 'DeleteObjectCommand' : 'DeleteBucketCommand';
  }
  throw new Error(`No S3 operation for ${method} ${url}`);
}

interface Signer {
  sign(request: object, opts: { signingDate: Date; signingRegion: string; signingService: string }): Promise<{ headers: Record<string, string> }>;
}

/** Why a request's signature is wrong, or undefined when it is what the SDK's signer computes with `secret`. */
async function signatureProblem(req: IncomingMessage, signerFor: (region: string) => Promise<Signer>): Promise<string | undefined> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `not a Signature Version 4 Authorization header: ${auth.slice(0, 60)}`;
  const [, region, service, signedHeaders, signature] = m;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const v = req.headers[name];
    if (v === undefined) return `the signed header ${name} was not sent`;
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const u = new URL(req.url ?? '/', 'http://x');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of u.searchParams) query[k] = k in query ? ([] as string[]).concat(query[k]!, v) : v;
  const stamp = String(req.headers['x-amz-date']);
  const signingDate = new Date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
  const signer = await signerFor(region!);
  const expected = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: String(req.headers.host), path: u.pathname, query, headers, body: undefined },
    { signingDate, signingRegion: region!, signingService: service! },
  );
  const want = /Signature=([0-9a-f]{64})/.exec(expected.headers.authorization ?? '')?.[1];
  return want === signature ? undefined : 'the signature does not match';
}

/** Starts the proxy in front of `target` (s3rver's endpoint), checking signatures made with `credentials`. */
export async function startS3Traffic(target: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<S3Traffic> {
  const upstream = new URL(target);
  const reference = new S3Client({ region: 'us-east-1', credentials });
  const signerFor = (region: string) =>
    (reference.config.signer as unknown as (scheme: object) => Promise<Signer>)({ name: 'sigv4', signingName: 's3', signingRegion: region, properties: {} });
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const inFlight = new Map<string, number>();
  const traffic: S3Traffic = {
    endpoint: '',
    counts: new Map(),
    peak: new Map(),
    stop: () => new Promise<void>((resolve) => {
      agent.destroy();
      reference.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const op = operationOf(req.method ?? '', req.url ?? '/', req.headers);
    const n = (traffic.counts.get(op) ?? 0) + 1;
    traffic.counts.set(op, n);
    inFlight.set(op, (inFlight.get(op) ?? 0) + 1);
    traffic.peak.set(op, Math.max(traffic.peak.get(op) ?? 0, inFlight.get(op)!));
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      inFlight.set(op, inFlight.get(op)! - 1);
    };
    res.once('finish', end);
    res.once('close', end);
    const problem = await signatureProblem(req, signerFor);
    if (problem) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>Proxy check: ${problem}.</Message></Error>`);
      return;
    }
    await traffic.beforeForward?.(op, n);
    // The Host header goes through unchanged: s3rver checks the signature over it.
    const cut = traffic.dropAfter?.(op, n);
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.on('error', () => res.destroy());
      if (cut === undefined) {
        ur.pipe(res);
        return;
      }
      let sent = 0;
      ur.on('data', (chunk: Buffer) => {
        const take = Math.min(chunk.length, cut - sent);
        sent += take;
        if (take > 0) res.write(chunk.subarray(0, take));
        if (sent >= cut) {
          ur.destroy();
          res.socket?.end(() => res.socket?.destroy());
        }
      });
    });
    up.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };
  const server = createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  traffic.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return traffic;
}
