/**
 * Secret Manager's REST API (v1) on 127.0.0.1: secrets.create (409 when the
 * ID is taken), addVersion (checking the payload's CRC-32C when sent),
 * versions/latest:access, list with a filter, and delete. The filter takes
 * the terms the backend sends, `name:X` (the name contains X, looser than
 * a prefix, as in Secret Manager) and `labels.K=V`, joined by AND; others
 * are a 400, so a change to the query shows here.
 */
import type { Loopback, LoopbackReply, LoopbackRequest } from './gcp-loopback';
import { StandinError, startLoopback } from './gcp-loopback';
import { crc32cValue } from './gcs-standin';

interface StoredSecret {
  labels: Record<string, string>;
  versions: Buffer[];
}

export interface SecretManagerStandin extends Loopback {
  project: string;
  /** Secrets by ID. */
  secrets: Map<string, StoredSecret>;
}

const ID = /^[A-Za-z0-9_-]{1,255}$/;

export async function startSecretManagerStandin(project = 'dstack-test-project'): Promise<SecretManagerStandin> {
  const secrets = new Map<string, StoredSecret>();
  const base = `/v1/projects/${project}/secrets`;

  function json(req: LoopbackRequest): Record<string, unknown> {
    try {
      return JSON.parse(req.body.toString() || '{}') as Record<string, unknown>;
    } catch {
      throw new StandinError(400, 'The body is not JSON.');
    }
  }

  function secret(id: string): StoredSecret {
    const s = secrets.get(id);
    if (!s) throw new StandinError(404, `Secret [projects/${project}/secrets/${id}] not found or has no versions.`);
    return s;
  }

  function matcher(filter: string): (id: string, s: StoredSecret) => boolean {
    if (!filter) return () => true;
    const terms = filter.split(' AND ').map((t) => {
      const name = /^name:([A-Za-z0-9_-]+)$/.exec(t);
      if (name) return (id: string) => id.includes(name[1]!);
      const label = /^labels\.([a-z0-9_-]+)=([a-z0-9_-]*)$/.exec(t);
      if (label) return (_id: string, s: StoredSecret) => s.labels[label[1]!] === label[2];
      throw new StandinError(400, `Unsupported filter term "${t}".`);
    });
    return (id, s) => terms.every((f) => f(id, s));
  }

  function list(q: URLSearchParams): LoopbackReply {
    const match = matcher(q.get('filter') ?? '');
    const size = Math.min(Number(q.get('pageSize') ?? 25000) || 25000, 25000);
    const offset = Number(q.get('pageToken') ?? 0) || 0;
    const all = [...secrets].filter(([id, s]) => match(id, s)).sort(([a], [b]) => (a < b ? -1 : 1));
    const page = all.slice(offset, offset + size).map(([id, s]) => ({ name: `projects/${project}/secrets/${id}`, labels: s.labels }));
    return { status: 200, body: { ...(page.length ? { secrets: page } : {}), ...(offset + size < all.length ? { nextPageToken: String(offset + size) } : {}), totalSize: all.length } };
  }

  const lb = await startLoopback((req) => {
    if (!req.path.startsWith(base)) throw new StandinError(404, `Not found: ${req.path}`);
    const rest = req.path.slice(base.length);
    if (rest === '' && req.method === 'GET') return { route: 'list', reply: list(req.query) };
    if (rest === '' && req.method === 'POST') {
      const id = req.query.get('secretId') ?? '';
      if (!ID.test(id)) throw new StandinError(400, `Invalid secret ID "${id}".`);
      if (secrets.has(id)) throw new StandinError(409, `Secret [projects/${project}/secrets/${id}] already exists.`);
      const labels = (json(req).labels ?? {}) as Record<string, string>;
      secrets.set(id, { labels, versions: [] });
      return { route: 'create', reply: { status: 200, body: { name: `projects/${project}/secrets/${id}`, labels } } };
    }
    const add = /^\/([^/:]+):addVersion$/.exec(rest);
    if (add && req.method === 'POST') {
      const s = secret(add[1]!);
      const payload = json(req).payload as { data?: string; dataCrc32c?: string } | undefined;
      if (typeof payload?.data !== 'string') throw new StandinError(400, 'payload.data is required.');
      const data = Buffer.from(payload.data, 'base64');
      if (payload.dataCrc32c !== undefined && payload.dataCrc32c !== String(crc32cValue(data))) throw new StandinError(400, 'Checksum mismatch: payload.dataCrc32c.');
      s.versions.push(data);
      return { route: 'addVersion', reply: { status: 200, body: { name: `projects/${project}/secrets/${add[1]}/versions/${s.versions.length}` } } };
    }
    const access = /^\/([^/:]+)\/versions\/latest:access$/.exec(rest);
    if (access && req.method === 'GET') {
      const s = secret(access[1]!);
      const data = s.versions.at(-1);
      if (!data) throw new StandinError(404, `Secret [projects/${project}/secrets/${access[1]}] not found or has no versions.`);
      return { route: 'access', reply: { status: 200, body: { name: `projects/${project}/secrets/${access[1]}/versions/${s.versions.length}`, payload: { data: data.toString('base64'), dataCrc32c: String(crc32cValue(data)) } } } };
    }
    const one = /^\/([^/:]+)$/.exec(rest);
    if (one && req.method === 'DELETE') {
      secret(one[1]!);
      secrets.delete(one[1]!);
      return { route: 'delete', reply: { status: 200, body: {} } };
    }
    throw new StandinError(404, `Not found: ${req.method} ${req.path}`);
  });
  return Object.assign(lb, { project, secrets });
}
