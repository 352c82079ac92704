/**
 * The permission pre-flight: asks IAM which of the role's permissions the
 * credentials hold, on the project (projects.testIamPermissions) and on the
 * bucket (buckets.testIamPermissions, which also counts bucket-level
 * grants), and names each one missing, grouped by service. Neither call
 * needs a permission of its own, so it works for the narrowest account.
 */
import type { GcpPermissionReport, GcpPermissionRow } from '../../common/api/gcp-setup';
import type { GcpHttp } from './http';
import { BUCKET_PERMISSIONS, PROJECT_PERMISSIONS, roleCommands, roleYaml, VM_SERVICE_ACCOUNT_NEEDS, vmServiceAccount } from './role';

export interface PreflightTarget {
  http: GcpHttp;
  storage: string;
  resourceManager: string;
  project: string;
  bucket: string;
  /** The VMs' service account, when one is configured. */
  serviceAccount?: string;
}

const SERVICES: Record<string, GcpPermissionRow['service']> = {
  storage: 'Cloud Storage',
  compute: 'Compute Engine',
  logging: 'Cloud Logging',
  secretmanager: 'Secret Manager',
  iam: 'IAM',
};

/** Which of `permissions` the project grants the caller. */
async function projectGrants(t: PreflightTarget, permissions: readonly string[]): Promise<Set<string>> {
  const res = await t.http.json<{ permissions?: string[] }>({
    action: 'resourcemanager.projects.testIamPermissions', resource: `project ${t.project}`, method: 'POST',
    url: `${t.resourceManager}/v1/projects/${encodeURIComponent(t.project)}:testIamPermissions`, json: { permissions }, idempotent: true,
  });
  return new Set(res.permissions ?? []);
}

/** Which of `permissions` the bucket grants the caller (project-level grants included). */
async function bucketGrants(t: PreflightTarget, permissions: readonly string[]): Promise<Set<string>> {
  const url = new URL(`${t.storage}/storage/v1/b/${encodeURIComponent(t.bucket)}/iam/testPermissions`);
  for (const p of permissions) url.searchParams.append('permissions', p);
  const res = await t.http.json<{ permissions?: string[] }>({ action: 'storage.buckets.testIamPermissions', resource: `bucket ${t.bucket}`, url: url.toString(), idempotent: true });
  return new Set(res.permissions ?? []);
}

/** One row per service, each naming the permissions missing; plus the role to grant and the VMs' service account. */
export async function checkGcpPermissions(t: PreflightTarget): Promise<GcpPermissionReport> {
  const [onProject, onBucket] = await Promise.all([projectGrants(t, PROJECT_PERMISSIONS), bucketGrants(t, BUCKET_PERMISSIONS)]);
  const held = new Set([...onProject, ...onBucket]);
  const rows = new Map<GcpPermissionRow['service'], GcpPermissionRow>();
  for (const p of [...PROJECT_PERMISSIONS, ...BUCKET_PERMISSIONS]) {
    const service = SERVICES[p.split('.')[0]!] ?? 'IAM';
    const row = rows.get(service) ?? { service, ok: true, missing: [] };
    if (!held.has(p) && !row.missing.includes(p)) row.missing.push(p);
    row.ok = row.missing.length === 0;
    rows.set(service, row);
  }
  return {
    rows: [...rows.values()],
    roleYaml: roleYaml(),
    roleCommands: roleCommands(t.project),
    vmServiceAccount: { email: vmServiceAccount(t.project, t.serviceAccount), needs: [...VM_SERVICE_ACCOUNT_NEEDS] },
  };
}
