/**
 * The GCP backend's endpoints. Its settings (GcpBackendConfig) live in
 * common/config.ts with every backend's, since gcp is in the registry.
 */
export type { GcpBackendConfig } from '../../common/config';

/** Where each API answers; tests point them at loopback stand-ins. */
export interface GcpEndpoints {
  storage: string;
  logging: string;
  secretManager: string;
  compute: string;
  /** Resource Manager: setup's projects.testIamPermissions. */
  resourceManager: string;
}

export const GCP_ENDPOINTS: GcpEndpoints = {
  storage: 'https://storage.googleapis.com',
  logging: 'https://logging.googleapis.com',
  secretManager: 'https://secretmanager.googleapis.com',
  compute: 'https://compute.googleapis.com',
  resourceManager: 'https://cloudresourcemanager.googleapis.com',
};

/**
 * The environment variables that move an endpoint, one per API. The VM's
 * startup script and the runner read the same ones, which is how tests play
 * a VM against loopback stand-ins.
 */
export const GCP_ENDPOINT_ENV: Record<keyof GcpEndpoints, string> = {
  storage: 'DSTACK_GCP_STORAGE_ENDPOINT',
  logging: 'DSTACK_GCP_LOGGING_ENDPOINT',
  secretManager: 'DSTACK_GCP_SECRETMANAGER_ENDPOINT',
  compute: 'DSTACK_GCP_COMPUTE_ENDPOINT',
  resourceManager: 'DSTACK_GCP_RESOURCEMANAGER_ENDPOINT',
};

/** The endpoints an environment sets (DSTACK_GCP_*_ENDPOINT); the rest stay Google's. */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<GcpEndpoints> {
  const out: Partial<GcpEndpoints> = {};
  for (const [k, name] of Object.entries(GCP_ENDPOINT_ENV) as [keyof GcpEndpoints, string][]) {
    const v = env[name];
    if (v) out[k] = v.replace(/\/+$/, '');
  }
  return out;
}
