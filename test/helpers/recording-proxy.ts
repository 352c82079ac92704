/**
 * A forward proxy on 127.0.0.1 that records what passes through it:
 * absolute-form requests are forwarded, CONNECT is tunnelled, and plain
 * HTTP inside a tunnel is recorded too. Serves the AWS and GCP proxy tests,
 * which both check that every backend call honours the proxy variables.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';

const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'];

/**
 * Leaves only `vars` set among the proxy variables (upper and lower case), so
 * a proxy set on the machine running the tests cannot change what they see.
 * Undone by `vi.unstubAllEnvs()`.
 */
export function stubProxyEnv(vars: Record<string, string>): void {
  for (const name of PROXY_VARS) vi.stubEnv(name, vars[name]);
}

export interface RecordingProxy {
  url: string;
  /** `METHOD /path` of each request seen (inside plain-HTTP tunnels too), and `CONNECT host:port`. */
  log: string[];
  stop(): Promise<void>;
}

/** A forward proxy that records what passes through it. */
export async function startRecordingProxy(): Promise<RecordingProxy> {
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
