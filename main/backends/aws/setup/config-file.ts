/**
 * Saves the wizard's AWS choice to `~/.dstack/config.yaml` in dstack's keys
 * (`backend`, `bucket`, `region`, `profile`, `subnet`), through the core's
 * config-file module so there is one reader and one writer of that file.
 * Our one addition, `keychain_key_id`, names the keychain entry; the secret
 * never reaches the file.
 */
import type { AwsBackendConfig, ConfigFile } from '../../../common/config';
import { writeConfigFile } from '../../../core/config-file';
import { dstackHome } from '../../../node/home';

export function configFileOf(cfg: AwsBackendConfig): ConfigFile {
  return {
    backend: 'aws',
    bucket: cfg.bucket,
    region: cfg.region,
    ...(cfg.profile ? { profile: cfg.profile } : {}),
    ...(cfg.subnet ? { subnet: cfg.subnet } : {}),
    ...(cfg.keychainKeyId ? { keychain_key_id: cfg.keychainKeyId } : {}),
  };
}

/** Writes the file atomically; returns what was written and where. */
export async function saveAwsConfig(cfg: AwsBackendConfig, home: string = dstackHome()): Promise<{ file: ConfigFile; path: string }> {
  const file = configFileOf(cfg);
  return { file, path: await writeConfigFile(home, file) };
}
