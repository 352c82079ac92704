// Every AWS call honours the proxy variables, downloads included: a recording
// proxy on 127.0.0.1 (absolute-form requests forwarded, CONNECT tunnelled to
// 127.0.0.1) sees the SDK's calls and the download's GETs, and NO_PROXY
// makes both bypass it.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import { makeS3Client } from '../../../main/backends/aws/clients';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';

interface RecordingProxy {
  url: string;
  /** `METHOD /path` of each request seen (inside plain-HTTP tunnels too), and `CONNECT host:port`. */
  log: string[];
  stop(): Promise<void>;
}

/** A forward proxy that records what passes through it. */
async function startProxy(): Promise<RecordingProxy> {
  const log: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    log.push(`${req.method} ${target.pathname}`);
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
    // Plain HTTP inside the tunnel: record its request lines as well.
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(/^(GET|HEAD|PUT|POST|DELETE) (\S+) HTTP\/1\.1\r$/gm)) log.push(`${m[1]} ${m[2]!.split('?')[0]}`);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'];

let s3: S3rver;
let proxy: RecordingProxy;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3rver();
  proxy = await startProxy();
  tmp = await mkdtemp(join(tmpdir(), 'dstack-proxy-test-'));
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  proxy.log.length = 0;
});

/** Only `vars` set among the proxy variables. */
function proxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARS) vi.stubEnv(name, vars[name]);
}

/** Uploads, downloads and checks one object through a fresh client; says what the proxy saw. */
async function roundTrip(name: string): Promise<void> {
  const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
  try {
    const storage = new S3Storage(s3.bucket, client, join(tmp, 'home'));
    await storage.put(`proxied/${name}`, `content of ${name}`);
    const dest = join(tmp, name);
    await storage.downloadFile(`proxied/${name}`, dest);
    expect(await readFile(dest, 'utf8')).toBe(`content of ${name}`);
  } finally {
    client.destroy();
  }
}

describe('AWS calls through a proxy', () => {
  it('sends SDK calls and download GETs to a plain-http endpoint through HTTP_PROXY', async () => {
    proxyEnv({ HTTP_PROXY: proxy.url });
    await roundTrip('upper.txt');
    expect(proxy.log).toEqual(expect.arrayContaining([`PUT /${s3.bucket}/proxied/upper.txt`, `HEAD /${s3.bucket}/proxied/upper.txt`, `GET /${s3.bucket}/proxied/upper.txt`]));
  });

  it('reads the lower-case forms too', async () => {
    proxyEnv({ http_proxy: proxy.url });
    await roundTrip('lower.txt');
    expect(proxy.log).toEqual(expect.arrayContaining([`PUT /${s3.bucket}/proxied/lower.txt`, `GET /${s3.bucket}/proxied/lower.txt`]));
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    proxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    await roundTrip('direct.txt');
    const client = makeS3Client(s3.region, async () => s3.credentials, { AWS_ENDPOINT_URL_S3: s3.endpoint });
    try {
      await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
    } finally {
      client.destroy();
    }
    expect(proxy.log).toEqual([]);
  });

  it('tunnels https calls, the setup client\'s and downloads\', through HTTPS_PROXY', async () => {
    proxyEnv({ HTTPS_PROXY: proxy.url });
    // Nothing listens at the target: the tunnel fails, but the proxy saw the calls.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = { AWS_ENDPOINT_URL_S3: `https://127.0.0.1:${port}` };
    const setup = makeS3Client(s3.region, async () => s3.credentials, env);
    const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: `https://127.0.0.1:${port}` });
    try {
      await expect(setup.send(new HeadBucketCommand({ Bucket: s3.bucket }))).rejects.toThrow();
      expect(proxy.log).toContain(`CONNECT 127.0.0.1:${port}`);
      proxy.log.length = 0;
      const storage = new S3Storage(s3.bucket, client, join(tmp, 'home'));
      const listed = { key: 'k', size: 1, etag: '0'.repeat(32), modified: 0 };
      await expect(storage.downloadFile('k', join(tmp, 'never'), { listed })).rejects.toThrow();
      expect(proxy.log).toContain(`CONNECT 127.0.0.1:${port}`);
    } finally {
      setup.destroy();
      client.destroy();
    }
  });
});
