/**
 * The GCP backend's settings. Kept here, not in common/config.ts, while the
 * backend is not in the registry: nothing above the backend interface may
 * learn of a choice that cannot be set up yet (Compute Engine comes later).
 */
export interface GcpBackendConfig {
  type: 'gcp';
  /** The project that owns the bucket, the logs and the secrets. */
  project: string;
  bucket: string;
  /** A service account key file; without it, Application Default Credentials (gcloud, or the instance's service account). */
  keyFile?: string;
}

/** Where each API answers; tests point them at loopback stand-ins. */
export interface GcpEndpoints {
  storage: string;
  logging: string;
  secretManager: string;
}

export const GCP_ENDPOINTS: GcpEndpoints = {
  storage: 'https://storage.googleapis.com',
  logging: 'https://logging.googleapis.com',
  secretManager: 'https://secretmanager.googleapis.com',
};
