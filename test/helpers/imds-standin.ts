/**
 * A loopback stand-in for the EC2 instance metadata service, IMDSv2 only, as
 * EC2 answers: a session token from `PUT /latest/api/token` (which needs the
 * TTL header), every GET needs that token (401 without it or once it has
 * expired), and `spot/instance-action` is 404 until a notice is set. Point a
 * runner at it with AWS_EC2_METADATA_SERVICE_ENDPOINT.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImdsCall {
  method: string;
  path: string;
  /** The TTL header of a token request, or the token a GET carried. */
  ttl?: string;
  token?: string;
  /** 0 when the request was left hanging. */
  status: number;
}

export interface SpotNotice {
  action: string;
  time: string;
}

export interface ImdsStandin {
  /** `http://127.0.0.1:{port}`. */
  endpoint: string;
  calls: ImdsCall[];
  /** The notice `spot/instance-action` returns (a string is sent as is); undefined answers 404. */
  notice: SpotNotice | string | undefined;
  /** Stop answering (requests are recorded and left hanging), to exercise timeouts. */
  hang: boolean;
  /** Invalidates every token handed out so far, as when its TTL runs out. */
  expireTokens(): void;
  stop(): Promise<void>;
}

export async function startImdsStandin(): Promise<ImdsStandin> {
  const tokens = new Set<string>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (state.hang) {
      state.calls.push({ method: req.method ?? '', path, status: 0 });
      return;
    }
    const answer = (status: number, body = '', call: Partial<ImdsCall> = {}): void => {
      state.calls.push({ method: req.method ?? '', path, status, ...call });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (path === '/latest/api/token') {
      const ttl = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
      const ttlText = typeof ttl === 'string' ? ttl : undefined;
      if (req.method !== 'PUT') return answer(405, '', { ...(ttlText ? { ttl: ttlText } : {}) });
      const n = Number(ttlText);
      if (!ttlText || !Number.isInteger(n) || n < 1 || n > 21600) return answer(400, '', { ...(ttlText ? { ttl: ttlText } : {}) });
      const token = randomUUID();
      tokens.add(token);
      return answer(200, token, { ttl: ttlText });
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    const tokenText = typeof token === 'string' ? token : undefined;
    const call = tokenText ? { token: tokenText } : {};
    if (req.method !== 'GET') return answer(405, '', call);
    if (!tokenText || !tokens.has(tokenText)) return answer(401, '', call);
    if (path === '/latest/meta-data/spot/instance-action') {
      if (state.notice === undefined) return answer(404, '', call);
      return answer(200, typeof state.notice === 'string' ? state.notice : JSON.stringify(state.notice), call);
    }
    return answer(404, '', call);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: ImdsStandin = {
    endpoint: `http://127.0.0.1:${port}`,
    calls: [],
    notice: undefined,
    hang: false,
    expireTokens: () => tokens.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
}
