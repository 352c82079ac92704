/**
 * The custom IAM role dstack shows during setup: exactly the permissions the
 * app's GCP calls need, no more. It is built from one table, REST call →
 * permissions, so the role, the pre-flight (preflight.ts) and the policy
 * test (test/integration/gcp/role-policy.test.ts, which maps every request
 * the stand-ins saw through this table) cannot drift apart.
 */

import { GCE_APP_PERMISSIONS, GCE_VM_PERMISSIONS } from './compute-permissions';

export type GcpApi = 'storage' | 'logging' | 'secretManager' | 'compute' | 'resourceManager';

/** One REST method the app calls: its HTTP method, its path (after the API's endpoint) as a pattern, and what IAM checks. */
export interface GcpCallRule {
  api: GcpApi;
  /** e.g. `storage.objects.insert`, as Google's API reference names the method. */
  method: string;
  http: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: RegExp;
  /** The permissions IAM checks for it; [] when none is needed (the caller holds the session it started). */
  permissions: readonly string[];
  /** Checked on the project (projects.testIamPermissions) or on the bucket (buckets.testIamPermissions). */
  on: 'project' | 'bucket';
  /** Only during setup, never while running jobs. */
  setupOnly?: boolean;
}

const B = '[^/]+';

/** The compute permissions no other call of the table checks: what instances.insert needs. */
const OTHER_COMPUTE = new Set(['compute.zoneOperations.get', 'compute.instances.get', 'compute.instances.list', 'compute.instances.delete', 'compute.firewalls.get', 'compute.firewalls.create', 'compute.networks.updatePolicy']);
const INSERT_PERMISSIONS = GCE_APP_PERMISSIONS.filter((p) => !OTHER_COMPUTE.has(p));

export const GCP_CALLS: readonly GcpCallRule[] = [
  // Cloud Storage (JSON API)
  { api: 'storage', method: 'storage.objects.insert', http: 'POST', path: new RegExp(`^/upload/storage/v1/b/${B}/o$`), permissions: ['storage.objects.create', 'storage.objects.delete'], on: 'bucket' },
  { api: 'storage', method: 'storage.objects.insert (resumable chunk)', http: 'PUT', path: new RegExp(`^/upload/storage/v1/b/${B}/o$`), permissions: [], on: 'bucket' },
  { api: 'storage', method: 'storage.objects.get', http: 'GET', path: new RegExp(`^/storage/v1/b/${B}/o/${B}$`), permissions: ['storage.objects.get'], on: 'bucket' },
  { api: 'storage', method: 'storage.objects.list', http: 'GET', path: new RegExp(`^/storage/v1/b/${B}/o$`), permissions: ['storage.objects.list'], on: 'bucket' },
  { api: 'storage', method: 'storage.objects.delete', http: 'DELETE', path: new RegExp(`^/storage/v1/b/${B}/o/${B}$`), permissions: ['storage.objects.delete'], on: 'bucket' },
  { api: 'storage', method: 'storage.buckets.get', http: 'GET', path: new RegExp(`^/storage/v1/b/${B}$`), permissions: ['storage.buckets.get'], on: 'bucket', setupOnly: true },
  { api: 'storage', method: 'storage.buckets.testIamPermissions', http: 'GET', path: new RegExp(`^/storage/v1/b/${B}/iam/testPermissions$`), permissions: [], on: 'bucket', setupOnly: true },
  // Cloud Logging
  { api: 'logging', method: 'logging.entries.write', http: 'POST', path: /^\/v2\/entries:write$/, permissions: ['logging.logEntries.create'], on: 'project' },
  { api: 'logging', method: 'logging.entries.list', http: 'POST', path: /^\/v2\/entries:list$/, permissions: ['logging.logEntries.list'], on: 'project' },
  // Secret Manager
  { api: 'secretManager', method: 'secretmanager.secrets.list', http: 'GET', path: new RegExp(`^/v1/projects/${B}/secrets$`), permissions: ['secretmanager.secrets.list'], on: 'project' },
  { api: 'secretManager', method: 'secretmanager.secrets.create', http: 'POST', path: new RegExp(`^/v1/projects/${B}/secrets$`), permissions: ['secretmanager.secrets.create'], on: 'project' },
  { api: 'secretManager', method: 'secretmanager.secrets.addVersion', http: 'POST', path: new RegExp(`^/v1/projects/${B}/secrets/${B}:addVersion$`), permissions: ['secretmanager.versions.add'], on: 'project' },
  { api: 'secretManager', method: 'secretmanager.versions.access', http: 'GET', path: new RegExp(`^/v1/projects/${B}/secrets/${B}/versions/latest:access$`), permissions: ['secretmanager.versions.access'], on: 'project' },
  { api: 'secretManager', method: 'secretmanager.secrets.delete', http: 'DELETE', path: new RegExp(`^/v1/projects/${B}/secrets/${B}$`), permissions: ['secretmanager.secrets.delete'], on: 'project' },
  // Resource Manager: the pre-flight itself needs no permission.
  { api: 'resourceManager', method: 'cloudresourcemanager.projects.testIamPermissions', http: 'POST', path: new RegExp(`^/v1/projects/${B}:testIamPermissions$`), permissions: [], on: 'project', setupOnly: true },
  // Compute Engine (what compute-api.ts calls)
  // instances.insert: one permission per part of the VM it sets (compute-permissions.ts says which); the other calls' own below.
  { api: 'compute', method: 'compute.instances.insert', http: 'POST', path: new RegExp(`^/compute/v1/projects/${B}/zones/${B}/instances$`), on: 'project', permissions: INSERT_PERMISSIONS },
  { api: 'compute', method: 'compute.zoneOperations.wait', http: 'POST', path: new RegExp(`^/compute/v1/projects/${B}/zones/${B}/operations/${B}/wait$`), permissions: ['compute.zoneOperations.get'], on: 'project' },
  { api: 'compute', method: 'compute.instances.get', http: 'GET', path: new RegExp(`^/compute/v1/projects/${B}/zones/${B}/instances/${B}$`), permissions: ['compute.instances.get'], on: 'project' },
  { api: 'compute', method: 'compute.instances.aggregatedList', http: 'GET', path: new RegExp(`^/compute/v1/projects/${B}/aggregated/instances$`), permissions: ['compute.instances.list'], on: 'project' },
  { api: 'compute', method: 'compute.instances.delete', http: 'DELETE', path: new RegExp(`^/compute/v1/projects/${B}/zones/${B}/instances/${B}$`), permissions: ['compute.instances.delete'], on: 'project' },
  { api: 'compute', method: 'compute.firewalls.get', http: 'GET', path: new RegExp(`^/compute/v1/projects/${B}/global/firewalls/${B}$`), permissions: ['compute.firewalls.get'], on: 'project' },
  { api: 'compute', method: 'compute.firewalls.insert', http: 'POST', path: new RegExp(`^/compute/v1/projects/${B}/global/firewalls$`), permissions: ['compute.firewalls.create', 'compute.networks.updatePolicy'], on: 'project' },
];

/** The rule a request matches (method and path after the API's endpoint), or undefined for a call the table does not know. */
export function ruleFor(api: GcpApi, http: string, path: string): GcpCallRule | undefined {
  return GCP_CALLS.find((r) => r.api === api && r.http === http && r.path.test(path));
}

function permissionsOn(on: 'project' | 'bucket'): string[] {
  return [...new Set(GCP_CALLS.filter((r) => r.on === on).flatMap((r) => r.permissions))].sort();
}

/** What the pre-flight asks projects.testIamPermissions about. */
export const PROJECT_PERMISSIONS: readonly string[] = permissionsOn('project');
/** What the pre-flight asks buckets.testIamPermissions about (bucket-level grants count too). */
export const BUCKET_PERMISSIONS: readonly string[] = permissionsOn('bucket');
/** The custom role's permissions: every one the app's calls need. */
export const ROLE_PERMISSIONS: readonly string[] = [...new Set([...PROJECT_PERMISSIONS, ...BUCKET_PERMISSIONS])].sort();

export const ROLE_ID = 'dstack';

/** The role as `gcloud iam roles create --file` reads it. */
export function roleYaml(): string {
  return [
    'title: dstack',
    'description: What dstack Desktop needs to run workflows on Compute Engine with a Cloud Storage bucket, Cloud Logging and Secret Manager.',
    'stage: GA',
    'includedPermissions:',
    ...ROLE_PERMISSIONS.map((p) => `- ${p}`),
    '',
  ].join('\n');
}

/** The commands that create the role from `dstack-role.yaml` and grant it to `member` (e.g. `user:ada@example.com`). */
export function roleCommands(project: string, member = 'MEMBER'): string[] {
  return [
    `gcloud iam roles create ${ROLE_ID} --project ${project} --file dstack-role.yaml`,
    `gcloud projects add-iam-policy-binding ${project} --member ${member} --role projects/${project}/roles/${ROLE_ID}`,
  ];
}

/** What the VMs' service account needs: the runner on the VM reads and writes the bucket, writes logs, reads secrets and deletes its own VM. */
export const VM_SERVICE_ACCOUNT_NEEDS: readonly string[] = GCE_VM_PERMISSIONS;

/** The service account the VMs run as: the configured one, or the project's default compute service account. */
export function vmServiceAccount(project: string, given?: string, projectNumber?: string): string {
  return given ?? `${projectNumber ?? 'PROJECT_NUMBER'}-compute@developer.gserviceaccount.com (the default compute service account of ${project})`;
}
