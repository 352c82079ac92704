/**
 * The policy test for GCP: every request the app's GCP code makes while its
 * flows run (storage, logs, secrets, Compute Engine, setup and pre-flight),
 * as the stand-ins saw it, maps to a row of the REST → permission table
 * (role.ts), the permission the code names for the call is that row's, and
 * the custom role the app shows is exactly the union of the permissions
 * those calls need: nothing missing, nothing more.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GceApi } from '../../../main/backends/gcp/compute-api';
import { GCE_APP_PERMISSIONS } from '../../../main/backends/gcp/compute-permissions';
import type { GcpCall } from '../../../main/backends/gcp/http';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { CloudLogging } from '../../../main/backends/gcp/logs';
import type { GcpApi } from '../../../main/backends/gcp/role';
import { ROLE_PERMISSIONS, roleYaml, ruleFor } from '../../../main/backends/gcp/role';
import { GcpSecrets } from '../../../main/backends/gcp/secrets';
import { gcpSetup } from '../../../main/backends/gcp/setup';
import { GcsStorage } from '../../../main/backends/gcp/storage';
import type { Job } from '../../../main/common/job';
import type { Loopback } from '../../helpers/gcp-loopback';
import { startLoopback } from '../../helpers/gcp-loopback';
import { startGcsStandin } from '../../helpers/gcs-standin';
import { startLoggingStandin } from '../../helpers/logging-standin';
import { startResourceManagerStandin } from '../../helpers/resource-manager-standin';
import { startSecretManagerStandin } from '../../helpers/secret-manager-standin';
import { FAST_RETRY } from './setup';

/**
 * Setup calls made on purpose outside the role, each with its reason. The
 * test fails if the app makes any other call outside it, or stops making these.
 */
const OUTSIDE_ROLE: Record<string, string> = {
  'GET /storage/v1/b': 'storage.buckets.list, tried for the picker; 403 is expected under the role and means "type a name"',
  'POST /storage/v1/b': 'storage.buckets.create, only when the user asks to create the bucket',
};

/**
 * Permissions a call needs beyond the one the code names for it, each with
 * its reason (Google's IAM reference). Everything else in the role must be
 * named by a call the app made.
 */
const alsoNeeded = (): Record<string, { permissions: readonly string[]; why: string }> => ({
  'storage.objects.insert': { permissions: ['storage.objects.delete'], why: 'a write that replaces an object needs delete too' },
  'compute.firewalls.insert': { permissions: ['compute.networks.updatePolicy'], why: 'a firewall rule changes the network\'s policy' },
  'compute.instances.insert': {
    permissions: GCE_APP_PERMISSIONS.filter((p) => p !== 'compute.instances.create' && !/^compute\.(instances\.(get|list|delete)|zoneOperations|firewalls|networks)/.test(p)),
    why: 'insert checks one permission per part of the VM it sets: disk, metadata, labels, tags, service account, subnet (compute-permissions.ts)',
  },
});

/** Compute Engine answering what GceApi calls: operations done at once, a firewall rule not there yet. */
function startComputeStandin(project: string): Promise<Loopback> {
  const base = `/compute/v1/projects/${project}`;
  return startLoopback((req) => {
    const p = req.path.slice(base.length);
    if (req.method === 'POST' && /^\/zones\/[^/]+\/instances$/.test(p)) return { route: 'insert', reply: { status: 200, body: { name: 'op-1', status: 'RUNNING' } } };
    if (req.method === 'POST' && /\/operations\/[^/]+\/wait$/.test(p)) return { route: 'wait', reply: { status: 200, body: { name: 'op-1', status: 'DONE' } } };
    if (req.method === 'GET' && /^\/zones\/[^/]+\/instances\/[^/]+$/.test(p)) return { route: 'get', reply: { status: 200, body: { name: 'vm', status: 'RUNNING' } } };
    if (req.method === 'DELETE') return { route: 'delete', reply: { status: 200, body: { name: 'op-2', status: 'RUNNING' } } };
    if (req.method === 'GET' && p === '/aggregated/instances') return { route: 'list', reply: { status: 200, body: { items: {} } } };
    if (req.method === 'GET' && p.startsWith('/global/firewalls/')) return { route: 'firewall-get', reply: { status: 404, body: { error: { code: 404, message: 'not found' } } } };
    if (req.method === 'POST' && p === '/global/firewalls') return { route: 'firewall-insert', reply: { status: 200, body: { name: 'op-3' } } };
    return { route: 'unknown', reply: { status: 404, body: { error: { code: 404, message: `Not found: ${req.method} ${req.path}` } } } };
  });
}

/** GcpHttp that also keeps the permission the code names for each call, by `METHOD /path`. */
class NamingHttp extends GcpHttp {
  readonly named = new Map<string, Set<string>>();
  override call(c: GcpCall): Promise<Response> {
    const key = `${c.method ?? 'GET'} ${new URL(c.url).pathname}`;
    const set = this.named.get(key) ?? new Set<string>();
    set.add(c.action);
    this.named.set(key, set);
    return super.call(c);
  }
}

const standins = {} as Record<GcpApi, Loopback>;
let tmp: string;
const namedBy: NamingHttp[] = [];

beforeAll(async () => {
  const gcs = await startGcsStandin();
  const logging = await startLoggingStandin();
  const sm = await startSecretManagerStandin();
  const rmStandin = await startResourceManagerStandin(sm.project);
  const compute = await startComputeStandin(sm.project);
  for (const s of [logging, sm, rmStandin, compute]) s.token = gcs.token;
  Object.assign(standins, { storage: gcs, logging, secretManager: sm, resourceManager: rmStandin, compute });
  const http = new NamingHttp(async () => gcs.token, FAST_RETRY);
  namedBy.push(http);
  tmp = await mkdtemp(join(tmpdir(), 'dstack-gcp-role-'));

  // Storage: conditional and plain writes, reads, listing, deletes, file upload (simple and resumable) and download.
  const storage = new GcsStorage({ http, endpoint: gcs.endpoint, bucket: gcs.bucket }, join(tmp, 'home'));
  await storage.put('a/one', 'x', { ifNoneMatch: '*' });
  await storage.put('a/one', 'y');
  await storage.get('a/one');
  await storage.list('a/');
  await writeFile(join(tmp, 'small'), 'small');
  await writeFile(join(tmp, 'big'), Buffer.alloc(9 * 1024 * 1024, 7));
  await storage.uploadFile(join(tmp, 'small'), 'a/small');
  await storage.uploadFile(join(tmp, 'big'), 'a/big');
  await storage.downloadFile('a/big', join(tmp, 'big-back'));
  await storage.delete(['a/one', 'a/small']);

  // Logs: the runner writes, the client reads.
  const logs = new CloudLogging(http, logging.endpoint, sm.project, gcs.bucket, { pollMs: 30 });
  const job = { repo: 'acme/app', id: 'job-1', submittedAt: Date.now() } as Job;
  const sink = await logs.open(job);
  await sink.write([{ id: '00000001', time: Date.now(), stream: 'stdout', text: 'hello' }]);
  await sink.close();
  for await (const batch of logs.read(job)) void batch;

  // Secrets: set, list, read, delete.
  const secrets = new GcpSecrets(http, sm.endpoint, sm.project, gcs.bucket);
  await secrets.set('acme/app', 'TOKEN', 'v1');
  await secrets.set('acme/app', 'TOKEN', 'v2');
  await secrets.list('acme/app');
  await secrets.values('acme/app', ['TOKEN']);
  await secrets.delete('acme/app', 'TOKEN');

  // Compute Engine: launch, look, list, delete, open a port.
  const gce = new GceApi(http, compute.endpoint, sm.project);
  await gce.insert('us-central1-a', { name: 'vm', machineType: 'zones/us-central1-a/machineTypes/e2-standard-2' });
  await gce.get('us-central1-a', 'vm');
  await gce.list('dstack-bucket', gcs.bucket);
  await gce.delete('us-central1-a', 'vm');
  await gce.ensureFirewall({ name: 'dstack-8080', network: 'global/networks/default', targetTags: ['dstack-8080'], allowed: [{ IPProtocol: 'tcp', ports: ['8080'] }], description: 'x', sourceRanges: ['0.0.0.0/0'] });

  // Setup: the picker, the bucket check, creating one, the pre-flight.
  const deps = { endpoints: { storage: gcs.endpoint, resourceManager: rmStandin.endpoint }, http };
  const target = { credentials: { adc: true } as const, project: sm.project, region: 'us-central1' };
  await gcpSetup.buckets(target, deps);
  await gcpSetup.checkBucket({ ...target, bucket: gcs.bucket }, deps);
  await gcpSetup.createBucket({ ...target, bucket: 'dstack-new-bucket' }, deps);
  await gcpSetup.checkPermissions({ ...target, bucket: gcs.bucket }, deps);
}, 120_000);

afterAll(async () => {
  for (const s of Object.values(standins)) await s.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the GCP custom role', () => {
  it('covers every call the app made, has nothing more, and each call names its row\'s permission', () => {
    // needed: what the code names for each call it made, plus what alsoNeeded() says each call implies; never read from the role's table.
    const unknown: string[] = [];
    const outside = new Set<string>();
    const needed = new Set<string>();
    const wrongName: string[] = [];
    for (const [api, lb] of Object.entries(standins) as [GcpApi, Loopback][]) {
      for (const call of new Set(lb.seen)) {
        if (api === 'storage' && OUTSIDE_ROLE[call]) {
          outside.add(call);
          continue;
        }
        const [method, path] = call.split(' ') as [string, string];
        const rule = ruleFor(api, method, path);
        if (!rule) {
          unknown.push(`${api}: ${call}`);
          continue;
        }
        const named = [...(namedBy[0]!.named.get(call) ?? [])];
        if (rule.permissions.length) for (const p of [...named, ...(alsoNeeded()[rule.method]?.permissions ?? [])]) needed.add(p);
        if (rule.permissions.length && !named.every((n) => rule.permissions.includes(n))) wrongName.push(`${call} names ${named.join(', ')}; the table says ${rule.permissions.join(', ')}`);
      }
    }
    expect(unknown, 'calls the table does not know').toEqual([]);
    expect(wrongName, 'calls whose named permission is not their row\'s').toEqual([]);
    expect([...outside].sort(), 'calls made on purpose outside the role').toEqual(Object.keys(OUTSIDE_ROLE).sort());
    expect([...needed].sort()).toEqual([...ROLE_PERMISSIONS]);
  });

  it('is shown as YAML that lists exactly those permissions', () => {
    const listed = roleYaml().split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
    expect(listed).toEqual([...ROLE_PERMISSIONS]);
  });
});
