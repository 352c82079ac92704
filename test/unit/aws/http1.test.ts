import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BodySink } from '../../../main/backends/aws/s3/http1';
import { Http1Pool } from '../../../main/backends/aws/s3/http1';

const BODY = randomBytes(3 * 1024 * 1024 + 123);
const servers: { close(cb: () => void): unknown }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** An HTTP server on a free port, counting the connections it accepts. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ pool: (opts?: object) => Http1Pool; connections: () => number; server: Server }> {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: (cb) => (server.closeAllConnections(), server.close(cb)) });
  const port = (server.address() as AddressInfo).port;
  return { pool: (opts = {}) => new Http1Pool({ protocol: 'http:', hostname: '127.0.0.1', port }, opts), connections: () => connections, server };
}

/** A raw TCP server on a free port, for answers Node's http server would not give; a pool pointed at it. */
async function serveRaw(onSocket: (sock: Socket) => void): Promise<Http1Pool> {
  const sockets = new Set<Socket>();
  const server = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    onSocket(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: (cb) => (sockets.forEach((x) => x.destroy()), server.close(cb)) });
  return new Http1Pool({ protocol: 'http:', hostname: '127.0.0.1', port: (server.address() as AddressInfo).port });
}

/** A sink that gathers what it is given; with `inPlace`, the socket reads straight into its memory. */
function collector(inPlace: boolean): BodySink & { bytes: () => Buffer; direct: number } {
  const mem = Buffer.alloc(BODY.length + 10);
  let fill = 0;
  const sink = {
    direct: 0,
    bytes: () => mem.subarray(0, fill),
    write(b: Buffer) {
      if (b.buffer === mem.buffer && b.byteOffset === fill) sink.direct++;
      else b.copy(mem, fill);
      fill += b.length;
      return undefined;
    },
    space: inPlace ? () => mem.subarray(fill, fill + 100_000) : undefined,
  };
  return sink;
}

const get = (pool: Http1Pool, onHead: Parameters<Http1Pool['get']>[2] = () => undefined, signal?: AbortSignal) => pool.get('/obj', { host: 'x' }, onHead, signal);

describe('Http1Pool', () => {
  it('streams a body into a sink, reading straight into its memory when it offers some, over one kept-alive connection', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length), etag: '"e"' });
      res.end(BODY);
    });
    const pool = s.pool();
    for (const inPlace of [true, false]) {
      const sink = collector(inPlace);
      const res = await get(pool, (head) => (expect(head).toMatchObject({ status: 200, headers: { etag: '"e"' } }), sink));
      expect(res.body).toBeUndefined();
      expect(sink.bytes().equals(BODY)).toBe(true);
      expect(sink.direct > 0).toBe(inPlace);
    }
    expect(s.connections()).toBe(1);
  });

  it('stops reading while the sink holds it back, and loses nothing', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length) });
      res.end(BODY);
    });
    const got: Buffer[] = [];
    let holding = false;
    let writesWhileHeld = 0;
    const sink: BodySink = {
      write(b) {
        if (holding) writesWhileHeld++;
        got.push(Buffer.from(b));
        if (got.length % 5 !== 0) return undefined;
        holding = true;
        return new Promise<void>((resolve) => setTimeout(() => ((holding = false), resolve()), 20));
      },
    };
    await get(s.pool(), () => sink);
    expect(writesWhileHeld).toBe(0);
    expect(Buffer.concat(got).equals(BODY)).toBe(true);
  });

  it('reads chunked and close-delimited bodies into memory, as S3 sends error documents', async () => {
    const xml = '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    const s = await serve((req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.write(xml.slice(0, 20));
      setTimeout(() => res.end(xml.slice(20)), 10);
    });
    const res = await get(s.pool());
    expect(res.status).toBe(403);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body?.toString()).toBe(xml);

    const pool = await serveRaw((sock) => sock.once('data', () => sock.end(`HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${xml}`)));
    expect((await get(pool)).body?.toString()).toBe(xml);
  });

  it('sends a GET again on a new connection when a kept-alive one turns out closed before any answer', async () => {
    let served = 0;
    const pool = await serveRaw((sock) => {
      let requests = 0;
      sock.on('data', () => {
        // The second request on a connection finds it closed, as after a server's idle timeout.
        if (++requests === 2) return sock.destroy();
        served++;
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    expect((await get(pool)).body?.toString()).toBe('ok');
    expect((await get(pool)).body?.toString()).toBe('ok');
    expect(served).toBe(2);
  });

  it('fails with a retryable error when the body is cut off, or nothing arrives in time', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/obj') {
        res.writeHead(200, { 'content-length': String(BODY.length) });
        res.write(BODY.subarray(0, 100_000), () => req.socket.destroy());
      }
    });
    const sink = collector(true);
    await expect(get(s.pool(), () => sink)).rejects.toMatchObject({ code: 'ECONNRESET' });

    const silent = await serve(() => undefined);
    const started = Date.now();
    await expect(get(silent.pool({ socketTimeout: 200 }))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops at once when cancelled mid-body, and drops the connection', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length) });
      res.write(BODY.subarray(0, 1000));
    });
    const ac = new AbortController();
    const sink: BodySink = { write: () => (ac.abort(), undefined) };
    await expect(get(s.pool(), () => sink, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    await expect(get(s.pool(), () => undefined, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a head it was not meant to accept, without reading the body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length), etag: '"other"' });
      res.end(BODY);
    });
    const changed = new Error('changed');
    await expect(get(s.pool(), () => { throw changed; })).rejects.toBe(changed);
  });

  it('speaks HTTPS with the given trust, reading into the sink as over plain TCP', async () => {
    const pem = execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', '-', '-out', '-',
    ], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)![0];
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)![0];
    const server = createHttpsServer({ key, cert }, (_req, res) => {
      res.writeHead(200, { 'content-length': String(BODY.length) });
      res.end(BODY);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: (cb) => (server.closeAllConnections(), server.close(cb)) });
    const origin = { protocol: 'https:' as const, hostname: '127.0.0.1', port: (server.address() as AddressInfo).port };
    const sink = collector(true);
    await get(new Http1Pool(origin, { tls: { ca: cert } }), () => sink);
    expect(sink.bytes().equals(BODY)).toBe(true);
    await expect(get(new Http1Pool(origin))).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});
