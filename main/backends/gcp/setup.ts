/**
 * The GCP half of the first-run wizard and `dstack config gcp`: one
 * function per `gcp.*` operation, each taking what the UI sends (a
 * credentials reference, a project, a region, a bucket). Calls go over the
 * backend's own REST layer; tests pass `deps` to use stand-ins.
 */
import { readFile } from 'node:fs/promises';
import type { BucketCheck, BucketListing } from '../../common/api/operations';
import type { GcpCredentialsRef, GcpIdentity, GcpPermissionReport, GcpTarget } from '../../common/api/gcp-setup';
import type { ConfigFile, GcpBackendConfig } from '../../common/config';
import { InvalidArgumentError } from '../../common/errors';
import { writeConfigFile } from '../../core/config-file';
import { dstackHome } from '../../node/home';
import type { GcpEndpoints } from './config';
import { endpointsFromEnv, GCP_ENDPOINTS } from './config';
import type { TokenSource } from './http';
import { defaultTokens, GcpHttp, isStatus } from './http';
import { loadServiceAccountKey, parseServiceAccountKey, saveServiceAccountKey } from './keychain';
import type { GcpRegion } from './locations';
import { bucketFitsRegion, GCP_REGIONS, gcpRegion, zonesOf } from './locations';
import { checkGcpPermissions } from './preflight';

/** Tests: where the APIs answer and a fixed token. Otherwise DSTACK_GCP_*_ENDPOINT or Google's, and the credentials' own tokens. */
export interface GcpSetupDeps {
  endpoints?: Partial<GcpEndpoints>;
  tokens?: TokenSource;
  /** One REST layer for every call (the policy test's records what each call names). */
  http?: GcpHttp;
}

interface Ctx {
  http: GcpHttp;
  endpoints: GcpEndpoints;
}

function ctxOf(ref: GcpCredentialsRef, deps: GcpSetupDeps = {}): Ctx {
  const tokens = deps.tokens ?? defaultTokens(undefined, 'keychainKey' in ref ? ref.keychainKey : undefined);
  return { http: deps.http ?? new GcpHttp(tokens), endpoints: { ...GCP_ENDPOINTS, ...endpointsFromEnv(), ...deps.endpoints } };
}

function checkRegion(region: string): GcpRegion {
  const r = gcpRegion(region);
  if (!r) throw new InvalidArgumentError(`"${region}" is not a GCP region dstack knows.`, `Use one of: ${GCP_REGIONS.map((x) => x.id).join(', ')}.`, { fields: ['region'] });
  return r;
}

function checkZone(region: string, zone: string): void {
  if (!zonesOf(region).includes(zone)) throw new InvalidArgumentError(`"${zone}" is not a zone of ${region}.`, `Use one of: ${zonesOf(region).join(', ')}.`, { fields: ['zone'] });
}

/** Cloud Storage's naming rules, checked before any call. */
export function gcsBucketNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) return `"${name}" is not a valid bucket name: 3-63 lower-case letters, digits, hyphens, underscores or dots, starting and ending with a letter or digit.`;
  if (name.startsWith('goog') || name.includes('google')) return `"${name}" is not allowed: bucket names may not start with "goog" or contain "google".`;
  return undefined;
}

const bucketUrl = (c: Ctx, bucket: string) => `${c.endpoints.storage}/storage/v1/b/${encodeURIComponent(bucket)}`;

export const gcpSetup = {
  /**
   * `gcp.saveKey`: reads a service-account JSON key file, checks its shape,
   * and stores it in the OS keychain. The file is read once; nothing of ours
   * keeps a copy on disk. Returns the reference config.yaml keeps.
   */
  saveKey: async (path: string): Promise<{ keychainKey: string; identity: GcpIdentity }> => {
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new InvalidArgumentError(`Cannot read the key file ${path} (${err.code ?? err.message}).`, 'Give the path of the JSON key you downloaded for the service account.', { fields: ['keyFile'] });
    });
    const key = parseServiceAccountKey(text, path);
    const keychainKey = await saveServiceAccountKey(key);
    return { keychainKey, identity: { account: key.client_email, projectId: key.project_id } };
  },
  /** `gcp.identity`: who the calls run as, and the project to offer. */
  identity: async (credentials: GcpCredentialsRef): Promise<GcpIdentity> => {
    if ('keychainKey' in credentials) {
      const key = await loadServiceAccountKey(credentials.keychainKey);
      return { account: key.client_email, projectId: key.project_id };
    }
    return { account: 'Application Default Credentials', ...(await adcProject()) };
  },
  /** `gcp.regions`: the bundled list, with zones. */
  regions: (): { id: string; name: string; zones: string[] }[] => GCP_REGIONS.map((r) => ({ id: r.id, name: r.name, zones: zonesOf(r.id) })),
  /** `gcp.buckets`: the project's buckets; `{allowed:false}` when the role may not list them (the dstack role may not), so the user types a name. */
  buckets: async (t: GcpTarget, deps?: GcpSetupDeps): Promise<BucketListing> => {
    checkRegion(t.region);
    const c = ctxOf(t.credentials, deps);
    try {
      const out: { name: string; region?: string }[] = [];
      let pageToken: string | undefined;
      do {
        const page = await c.http.json<{ items?: { name: string; location?: string }[]; nextPageToken?: string }>({
          action: 'storage.buckets.list', resource: `project ${t.project}`, url: `${c.endpoints.storage}/storage/v1/b`, query: { project: t.project, pageToken }, idempotent: true,
        });
        for (const b of page.items ?? []) out.push({ name: b.name, ...(b.location ? { region: b.location.toLowerCase() } : {}) });
        pageToken = page.nextPageToken;
      } while (pageToken);
      return { allowed: true, buckets: out };
    } catch (err) {
      if (isStatus(err, 403)) return { allowed: false, reason: 'These credentials may not list buckets (storage.buckets.list), which is normal for the dstack role: type the bucket\'s name.' };
      throw err;
    }
  },
  /** `gcp.checkBucket`: the bucket exists, we may use it, and its location fits the region. */
  checkBucket: async (t: GcpTarget & { bucket: string }, deps?: GcpSetupDeps): Promise<BucketCheck> => {
    checkRegion(t.region);
    const problem = gcsBucketNameProblem(t.bucket);
    if (problem) return { ok: false, problem: 'syntax', message: problem };
    const c = ctxOf(t.credentials, deps);
    let found: { location?: string };
    try {
      found = await c.http.json<{ location?: string }>({ action: 'storage.buckets.get', resource: `bucket ${t.bucket}`, url: bucketUrl(c, t.bucket), idempotent: true });
    } catch (err) {
      if (isStatus(err, 404)) return { ok: false, problem: 'missing', message: `Bucket ${t.bucket} does not exist.`, canCreate: true };
      if (isStatus(err, 403)) return { ok: false, problem: 'access', message: `These credentials may not use bucket ${t.bucket} (storage.buckets.get was refused); it may belong to another project.` };
      throw err;
    }
    const location = found.location ?? '';
    if (!bucketFitsRegion(location, t.region)) {
      return { ok: false, problem: 'region', message: `Bucket ${t.bucket} is in ${location}, which does not contain ${t.region}: every byte would cross regions.`, bucketRegion: location.toLowerCase() };
    }
    return { ok: true };
  },
  /** `gcp.createBucket`: in the region, with uniform access. Needs storage.buckets.create, which the dstack role does not grant. */
  createBucket: async (t: GcpTarget & { bucket: string }, deps?: GcpSetupDeps): Promise<void> => {
    checkRegion(t.region);
    const problem = gcsBucketNameProblem(t.bucket);
    if (problem) throw new InvalidArgumentError(problem, 'Choose another name.', { fields: ['bucket'] });
    const c = ctxOf(t.credentials, deps);
    await c.http.call({
      action: 'storage.buckets.create', resource: `bucket ${t.bucket}`, method: 'POST', url: `${c.endpoints.storage}/storage/v1/b`, query: { project: t.project },
      json: { name: t.bucket, location: t.region.toUpperCase(), iamConfiguration: { uniformBucketLevelAccess: { enabled: true } } },
    });
  },
  /** `gcp.checkPermissions`: the pre-flight, the role and the VMs' service account. */
  checkPermissions: (t: GcpTarget & { bucket: string; serviceAccount?: string }, deps?: GcpSetupDeps): Promise<GcpPermissionReport> => {
    const c = ctxOf(t.credentials, deps);
    return checkGcpPermissions({ http: c.http, storage: c.endpoints.storage, resourceManager: c.endpoints.resourceManager, project: t.project, bucket: t.bucket, ...(t.serviceAccount ? { serviceAccount: t.serviceAccount } : {}) });
  },
  /** `gcp.save`: checks the bucket once more and writes config.yaml. */
  save: async (
    t: GcpTarget & { bucket: string; zone: string; network?: string; subnet?: string; serviceAccount?: string },
    home = dstackHome(),
    deps?: GcpSetupDeps,
  ): Promise<{ config: GcpBackendConfig; file: ConfigFile; path: string }> => {
    checkZone(checkRegion(t.region).id, t.zone);
    const check = await gcpSetup.checkBucket(t, deps);
    if (!check.ok) throw new InvalidArgumentError(check.message, check.problem === 'region' ? 'Choose a region the bucket is in, or another bucket.' : undefined, { fields: ['bucket'] });
    const file: ConfigFile = {
      backend: 'gcp', project: t.project, region: t.region, zone: t.zone, bucket: t.bucket,
      ...(t.network ? { vpc: t.network } : {}),
      ...(t.subnet ? { subnet: t.subnet } : {}),
      ...(t.serviceAccount ? { service_account: t.serviceAccount } : {}),
      ...('keychainKey' in t.credentials ? { keychain_key: t.credentials.keychainKey } : {}),
    };
    const path = await writeConfigFile(home, file);
    const config: GcpBackendConfig = {
      type: 'gcp', project: t.project, bucket: t.bucket, region: t.region, zone: t.zone,
      ...(t.network ? { network: t.network } : {}),
      ...(t.subnet ? { subnet: t.subnet } : {}),
      ...(t.serviceAccount ? { serviceAccount: t.serviceAccount } : {}),
      ...('keychainKey' in t.credentials ? { keychainKey: t.credentials.keychainKey } : {}),
    };
    return { config, file, path };
  },
};

/** The project Application Default Credentials name (a key's project_id, gcloud's quota project), if any; never fails. */
async function adcProject(): Promise<{ projectId?: string }> {
  const { GoogleAuth } = await import('google-auth-library');
  const projectId = await new GoogleAuth().getProjectId().catch(() => undefined);
  return projectId ? { projectId } : {};
}
