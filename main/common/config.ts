/**
 * Configuration shapes. `~/.dstack/config.yaml` keeps dstack's keys
 * (`backend`, `bucket`, `region`, `profile`, `subnet`) so a config written by
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

export type BackendConfig = LocalBackendConfig | AwsBackendConfig;

/** The file `~/.dstack/config.yaml`, as dstack writes it. */
export interface ConfigFile {
  backend: BackendName;
  bucket?: string;
  region?: string;
  profile?: string;
  subnet?: string;
  /** Ours, not dstack's: the key id whose secret is in the OS keychain. */
  keychain_key_id?: string;
}
