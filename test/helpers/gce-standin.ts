/**
 * Compute Engine's REST API (v1) on 127.0.0.1, for the GCP compute tests:
 * instances insert (as an Operation, waited on with operations.wait),
 * get, delete and the aggregated list with a `labels.k = "v"` filter and
 * page tokens, and firewall rules get/insert. It keeps every insert body as
 * sent, so a test asserts the exact request, and every delete, so a test
 * sees a VM go. Names are unique per project and zone (409 on a second
 * insert). Faults for tests: an operation that ends in an error
 * (ZONE_RESOURCE_POOL_EXHAUSTED, QUOTA_EXCEEDED), an insert whose answer is
 * held back (the app is killed while it waits), a VM the listing does not
 * show yet.
 */
import type { Loopback, LoopbackReply, LoopbackRequest } from './gcp-loopback';
import { StandinError, startLoopback } from './gcp-loopback';

export interface StandinInstance {
  name: string;
  zone: string;
  status: string;
  /** Compute Engine's words on the status, e.g. why a VM stopped. */
  statusMessage?: string;
  creationTimestamp: string;
  labels: Record<string, string>;
  metadata: { items: { key: string; value: string }[] };
  scheduling?: Record<string, unknown>;
  body: Record<string, unknown>;
}

export interface OperationFault {
  code: string;
  message: string;
  errorDetails?: object[];
}

export interface GceStandin extends Loopback {
  project: string;
  /** Live instances by `zone/name`. */
  instances: Map<string, StandinInstance>;
  /** Every insert body as received, in order. */
  inserts: { zone: string; body: Record<string, unknown> }[];
  /** `zone/name` of every delete, in order (repeats included). */
  deletes: string[];
  firewalls: Map<string, Record<string, unknown>>;
  /** The next insert's operation ends with this error, and no VM is made. */
  failNextInsert?: OperationFault;
  /** While set, inserts make their VM and then wait for this promise before answering. */
  holdInserts?: Promise<void>;
  /** Names the aggregated listing leaves out, as a listing that lags a fresh insert. */
  hidden: Set<string>;
  /** The startup script of the VM, decoded from its metadata. */
  startupScript(zone: string, name: string): string;
}

const PREFIX = /^\/compute\/v1\/projects\/([^/]+)\/(.+)$/;
const PAGE = 2;

/** The one filter shape the backend sends: `labels.KEY = "VALUE"`. */
const FILTER = /^labels\.([a-z0-9_-]+) = "([^"]*)"$/;

export async function startGceStandin(project = 'dstack-test-project'): Promise<GceStandin> {
  const instances = new Map<string, StandinInstance>();
  const operations = new Map<string, { status: string; error?: { errors: OperationFault[] } }>();
  let nOp = 0;
  const op = (zone: string, targetLink: string, error?: OperationFault) => {
    const name = `operation-${++nOp}`;
    operations.set(name, { status: 'DONE', ...(error ? { error: { errors: [error] } } : {}) });
    // Answered as RUNNING: the backend must wait for DONE, as on Compute Engine.
    return { kind: 'compute#operation', name, zone: `projects/${project}/zones/${zone}`, status: 'RUNNING', targetLink, operationType: 'insert' };
  };

  async function insert(zone: string, req: LoopbackRequest): Promise<LoopbackReply> {
    const body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown> & { name?: string; labels?: Record<string, string>; metadata?: StandinInstance['metadata'] };
    if (!req.query.get('requestId')) throw new StandinError(400, 'Every insert must carry a requestId.');
    if (!body.name || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(body.name)) throw new StandinError(400, `Invalid value for field 'resource.name': '${String(body.name)}'.`);
    for (const [k, v] of Object.entries(body.labels ?? {})) if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || !/^[a-z0-9_-]{0,63}$/.test(v)) throw new StandinError(400, `Invalid label ${k}=${v}.`);
    gce.inserts.push({ zone, body });
    if (instances.has(`${zone}/${body.name}`)) throw new StandinError(409, `The resource 'projects/${project}/zones/${zone}/instances/${body.name}' already exists`);
    const link = `projects/${project}/zones/${zone}/instances/${body.name}`;
    const fault = gce.failNextInsert;
    gce.failNextInsert = undefined;
    if (fault) return { status: 200, body: op(zone, link, fault) };
    instances.set(`${zone}/${body.name}`, {
      name: body.name,
      zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
      status: 'RUNNING',
      creationTimestamp: new Date().toISOString(),
      labels: body.labels ?? {},
      metadata: body.metadata ?? { items: [] },
      ...(body.scheduling ? { scheduling: body.scheduling as Record<string, unknown> } : {}),
      body,
    });
    if (gce.holdInserts) await gce.holdInserts;
    return { status: 200, body: op(zone, link) };
  }

  function list(q: URLSearchParams): LoopbackReply {
    const f = FILTER.exec(q.get('filter') ?? '');
    if (!f) throw new StandinError(400, `Unsupported filter: ${q.get('filter')}`);
    const all = [...instances.values()].filter((i) => i.labels[f[1]!] === f[2] && !gce.hidden.has(i.name)).sort((a, b) => a.name.localeCompare(b.name));
    const start = Number(q.get('pageToken') ?? 0);
    const page = all.slice(start, start + PAGE);
    const items: Record<string, { instances?: object[]; warning?: object }> = { 'zones/us-east1-b': { warning: { code: 'NO_RESULTS_ON_PAGE' } } };
    for (const i of page) (items[`zones/${i.zone.split('/').pop()}`] ??= { instances: [] }).instances!.push(view(i));
    return { status: 200, body: { kind: 'compute#instanceAggregatedList', items, ...(start + PAGE < all.length ? { nextPageToken: String(start + PAGE) } : {}) } };
  }

  const view = (i: StandinInstance) => ({ kind: 'compute#instance', name: i.name, zone: i.zone, status: i.status, ...(i.statusMessage ? { statusMessage: i.statusMessage } : {}), creationTimestamp: i.creationTimestamp, labels: i.labels, metadata: i.metadata, scheduling: i.scheduling });

  const gce = (await startLoopback((req) => {
    const m = PREFIX.exec(req.path);
    if (!m) return { route: 'unknown', reply: { status: 404, body: { error: { code: 404, message: `Not found: ${req.path}` } } } };
    if (m[1] !== project) return { route: 'wrong-project', reply: Promise.reject(new StandinError(404, `The resource 'projects/${m[1]}' was not found`)) };
    const rest = m[2]!;
    const zoned = /^zones\/([a-z0-9-]+)\/(instances|operations)(?:\/([^/]+))?(\/wait)?$/.exec(rest);
    if (zoned) {
      const [, zone, kind, name, wait] = zoned;
      if (kind === 'operations' && wait && req.method === 'POST') {
        const o = operations.get(name!);
        return { route: 'operations.wait', reply: o ? { status: 200, body: { name, ...o } } : Promise.reject(new StandinError(404, `operation ${name} not found`)) };
      }
      if (kind === 'instances' && !name && req.method === 'POST') return { route: 'instances.insert', reply: insert(zone!, req) };
      const i = instances.get(`${zone}/${name}`);
      if (kind === 'instances' && name && req.method === 'GET') return { route: 'instances.get', reply: i ? { status: 200, body: view(i) } : Promise.reject(new StandinError(404, `The resource '${name}' was not found`)) };
      if (kind === 'instances' && name && req.method === 'DELETE') {
        gce.deletes.push(`${zone}/${name}`);
        instances.delete(`${zone}/${name}`);
        return { route: 'instances.delete', reply: i ? { status: 200, body: op(zone!, `projects/${project}/zones/${zone}/instances/${name}`) } : Promise.reject(new StandinError(404, `The resource '${name}' was not found`)) };
      }
    }
    if (rest === 'aggregated/instances' && req.method === 'GET') return { route: 'instances.aggregatedList', reply: Promise.resolve().then(() => list(req.query)) };
    const fw = /^global\/firewalls(?:\/([^/]+))?$/.exec(rest);
    if (fw && req.method === 'GET' && fw[1]) {
      const rule = gce.firewalls.get(fw[1]);
      return { route: 'firewalls.get', reply: rule ? { status: 200, body: rule } : Promise.reject(new StandinError(404, `The resource '${fw[1]}' was not found`)) };
    }
    if (fw && req.method === 'POST' && !fw[1]) {
      const rule = JSON.parse(req.body.toString('utf8')) as { name: string };
      if (gce.firewalls.has(rule.name)) return { route: 'firewalls.insert', reply: Promise.reject(new StandinError(409, 'already exists')) };
      gce.firewalls.set(rule.name, rule);
      return { route: 'firewalls.insert', reply: { status: 200, body: op('global', `global/firewalls/${rule.name}`) } };
    }
    return { route: 'unknown', reply: Promise.reject(new StandinError(404, `Not found: ${req.method} ${req.path}`)) };
  })) as GceStandin;
  Object.assign(gce, { project, instances, inserts: [], deletes: [], firewalls: new Map(), hidden: new Set<string>() });
  gce.startupScript = (zone, name) => {
    const i = instances.get(`${zone}/${name}`) ?? [...gce.inserts].reverse().find((x) => x.zone === zone && x.body.name === name)?.body;
    const items = ((i as StandinInstance | undefined)?.metadata?.items ?? []) as { key: string; value: string }[];
    const script = items.find((x) => x.key === 'startup-script')?.value;
    if (!script) throw new Error(`no startup-script on ${zone}/${name}`);
    return script;
  };
  return gce;
}
