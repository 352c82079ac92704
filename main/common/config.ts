/**
 * Configuration shapes. `~/.dstack/config.yaml` keeps dstack's keys
 * (`backend`, `bucket`, `region`, `profile`, `subnet`; for gcp `project`, `zone`, `vpc`) so a config written by
 * either tool reads in the other. `BackendConfig` is what an entry point
 * (CLI, app, runner) needs to build a backend; it is plain data so it can be
 * handed to a runner process and into EC2 UserData. It never holds a secret.
 */
import type { BackendName } from './backends';

export interface LocalBackendConfig {
  type: 'local';
  /** DSTACK_HOME: the local backend keeps everything under `{home}/local`. */
  home: string;
}

export interface AwsBackendConfig {
  type: 'aws';
  bucket: string;
  region: string;
  /** A `~/.aws` profile name; absent means the SDK's default chain. */
  profile?: string;
  /** Keys stored in the OS keychain under this access key id, instead of a profile. */
  keychainKeyId?: string;
  subnet?: string;
}

/** Google Cloud: Cloud Storage, Compute Engine, Cloud Logging and Secret Manager in one project. */
export interface GcpBackendConfig {
  type: 'gcp';
  /** The project that owns the bucket, the logs, the secrets and the VMs. */
  project: string;
  bucket: string;
  /** The region the bucket fits and the zone is in (e.g. `us-central1`). */
  region?: string;
  /** The zone VMs start in (e.g. `us-central1-a`); its region prices the machine. Needed to run jobs. */
  zone?: string;
  /** The VPC network (name or URL); default `default`. */
  network?: string;
  /** The subnetwork (name or URL) in the zone's region; default: the network's own for that region (auto mode). */
  subnet?: string;
  /** The service account e-mail the VMs run as. Default: the project's default compute service account. */
  serviceAccount?: string;
  /** A service account key file; without it (and without keychainKey), Application Default Credentials. */
  keyFile?: string;
  /** A service account key kept in the OS keychain under this account (the key's client e-mail and key id). */
  keychainKey?: string;
}

export type BackendConfig = LocalBackendConfig | AwsBackendConfig | GcpBackendConfig;

/** The file `~/.dstack/config.yaml`, as dstack writes it. */
export interface ConfigFile {
  backend: BackendName;
  bucket?: string;
  region?: string;
  profile?: string;
  subnet?: string;
  /** Ours, not dstack's: the key id whose secret is in the OS keychain. */
  keychain_key_id?: string;
  /** gcp: the project, zone, VPC network, VM service account. */
  project?: string;
  zone?: string;
  vpc?: string;
  service_account?: string;
  /** gcp: a service account key file the user keeps (Application Default Credentials otherwise). */
  credentials_file?: string;
  /** gcp, ours: the keychain account of a stored service account key. */
  keychain_key?: string;
}
