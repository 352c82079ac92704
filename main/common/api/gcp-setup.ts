/**
 * The shapes of GCP setup that the wizard (over the contract) and
 * `dstack config gcp` share. Credentials are references only: a keychain
 * account or "Application Default Credentials", never a key.
 */

/** A service-account key stored in the OS keychain (by its account), or Application Default Credentials. */
export type GcpCredentialsRef = { keychainKey: string } | { adc: true };

export interface GcpIdentity {
  /** Who the calls run as: a service account e-mail, or "Application Default Credentials". */
  account: string;
  /** The project the key belongs to, or gcloud's default project: the one setup offers. */
  projectId?: string;
}

export interface GcpTarget {
  credentials: GcpCredentialsRef;
  project: string;
  region: string;
}

export interface GcpPermissionRow {
  service: 'Cloud Storage' | 'Compute Engine' | 'Cloud Logging' | 'Secret Manager' | 'IAM';
  ok: boolean;
  missing: string[];
}

export interface GcpPermissionReport {
  rows: GcpPermissionRow[];
  /** The custom role with exactly the permissions dstack uses, as `gcloud iam roles create --file` reads it. */
  roleYaml: string;
  /** The commands that create the role and grant it. */
  roleCommands: string[];
  /** The service account the VMs run as, and the permissions it needs there. */
  vmServiceAccount: { email: string; needs: string[] };
}
