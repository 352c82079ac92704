/**
 * The Compute Engine metadata server on 127.0.0.1, as a VM sees it: every
 * request needs `Metadata-Flavor: Google` (403 without), every answer
 * carries it (which is how Google's libraries tell a real server), and it
 * serves the VM's project, zone and name, its service account's token
 * (the credential the runner and the startup script use), and
 * `instance/preempted`, whose `wait_for_change` requests hang until the
 * value changes or their `timeout_sec` ends, with an ETag as Google sends.
 * Point a VM at it with GCE_METADATA_HOST.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetadataCall {
  path: string;
  /** True when the request asked to wait for a change. */
  wait: boolean;
  status: number;
}

export interface GceMetadataStandin {
  /** `127.0.0.1:{port}`, the form GCE_METADATA_HOST takes. */
  host: string;
  calls: MetadataCall[];
  /** What `instance/preempted` says; set it to true to preempt the VM. */
  preempted: boolean;
  /** Answer 503 to everything, as a server that is not there. */
  down: boolean;
  /** Answer 503 to `instance/preempted` only, as a server that cannot say. */
  preemptedDown: boolean;
  setPreempted(value: boolean): void;
  stop(): Promise<void>;
}

export interface MetadataOptions {
  project: string;
  zone: string;
  name: string;
  /** The service account token handed out (the stand-ins' bearer token). */
  token: string;
}

const etagOf = (v: string): string => createHash('sha256').update(v).digest('hex').slice(0, 16);

export async function startGceMetadataStandin(o: MetadataOptions): Promise<GceMetadataStandin> {
  const waiters = new Set<() => void>();
  const md = { calls: [] as MetadataCall[], preempted: false, down: false, preemptedDown: false } as GceMetadataStandin;
  const value = (): string => (md.preempted ? 'TRUE' : 'FALSE');
  const send = (res: ServerResponse, call: MetadataCall, status: number, body: string, headers: Record<string, string> = {}) => {
    call.status = status;
    res.writeHead(status, { 'Metadata-Flavor': 'Google', 'content-type': 'application/text', ...headers });
    res.end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/computeMetadata\/v1\/?/, '');
    const wait = url.searchParams.get('wait_for_change') === 'true';
    const call: MetadataCall = { path, wait, status: 0 };
    md.calls.push(call);
    if (md.down) return send(res, call, 503, 'unavailable');
    if (req.headers['metadata-flavor'] !== 'Google') return send(res, call, 403, 'Missing Metadata-Flavor:Google header.');
    const fixed: Record<string, string> = {
      'instance': JSON.stringify({ id: 1, name: o.name }),
      'project/project-id': o.project,
      'project/numeric-project-id': '123456789012',
      'instance/zone': `projects/123456789012/zones/${o.zone}`,
      'instance/name': o.name,
      'instance/service-accounts/default/email': `123456789012-compute@developer.gserviceaccount.com`,
      'instance/service-accounts/default/token': JSON.stringify({ access_token: o.token, expires_in: 3599, token_type: 'Bearer' }),
    };
    if (path in fixed) return send(res, call, 200, fixed[path]!, path.endsWith('token') || path === 'instance' ? { 'content-type': 'application/json' } : {});
    if (path !== 'instance/preempted') return send(res, call, 404, 'Not found');
    if (md.preemptedDown) return send(res, call, 503, 'unavailable');
    const last = url.searchParams.get('last_etag');
    if (!wait || last !== etagOf(value())) return send(res, call, 200, value(), { etag: etagOf(value()) });
    const timeoutSec = Number(url.searchParams.get('timeout_sec') ?? 60);
    const answer = (): void => {
      waiters.delete(answer);
      clearTimeout(timer);
      if (!res.writableEnded) send(res, call, 200, value(), { etag: etagOf(value()) });
    };
    const timer = setTimeout(answer, timeoutSec * 1000);
    waiters.add(answer);
    req.on('close', () => {
      waiters.delete(answer);
      clearTimeout(timer);
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  md.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  md.setPreempted = (v) => {
    md.preempted = v;
    for (const w of [...waiters]) w();
  };
  md.stop = () =>
    new Promise<void>((resolve) => {
      for (const w of [...waiters]) w();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return md;
}
