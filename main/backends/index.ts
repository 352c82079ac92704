/**
 * The one place that picks a backend from a {@link BackendConfig}. The core
 * never imports a backend; entry points (CLI, app, runner) call this. The
 * cloud backends are imported on demand, so local-only use never loads the
 * AWS SDK or google-auth-library and starts faster.
 */
import type { Backend } from '../core/backend';
import type { BackendConfig, LocalBackendConfig } from '../common/config';
import { BACKEND_NAMES, isBackendName } from '../common/backends';
import { InvalidArgumentError } from '../common/errors';
import { dstackHome } from '../node/home';
import { securePrivateHome } from '../node/private-dir';
import { createLocalBackend } from './local/index';

/** The config of the default backend: local, under DSTACK_HOME (`~/.dstack`). */
export function localBackendConfig(home = dstackHome()): LocalBackendConfig {
  return { type: 'local', home };
}

/**
 * Keys a caller holds in memory for a backend, apart from its config: a
 * config is plain data handed to runners and EC2 UserData and never holds a
 * secret. A team hub passes each project's stored keys this way.
 */
export interface BackendSecrets {
  aws?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

type Factories = { [N in BackendConfig['type']]: (config: Extract<BackendConfig, { type: N }>, secrets: BackendSecrets) => Promise<Backend> };

/** One factory per name in the registry (`common/backends.ts`); the compiler insists every name has one. */
const FACTORIES: Factories = {
  // Every process that opens a home (CLI, app, server, runner) makes it private, including a home made 0755 by an older version.
  local: async (config) => {
    await securePrivateHome(config.home);
    return createLocalBackend(config);
  },
  // An AWS home holds the launch ledger, the runner bundle and download staging.
  aws: async (config, secrets) => {
    await securePrivateHome(dstackHome());
    return (await import('./aws/index')).createAwsBackend(config, secrets.aws ? { credentials: secrets.aws } : {});
  },
  // A GCP home holds the launch ledger and download staging, as AWS's does.
  gcp: async (config) => {
    await securePrivateHome(dstackHome());
    return (await import('./gcp/index')).createGcpBackend(config);
  },
};

export async function createBackend(config: BackendConfig, secrets: BackendSecrets = {}): Promise<Backend> {
  if (!isBackendName(config.type)) {
    throw new InvalidArgumentError(`Unknown backend "${String(config.type)}".`, `Use one of ${BACKEND_NAMES.join(', ')} (\`dstack config\` sets it).`);
  }
  return (FACTORIES[config.type] as (c: BackendConfig, s: BackendSecrets) => Promise<Backend>)(config, secrets);
}

/** The AWS setup checks the wizard and `dstack config aws` share, loaded on demand so the Local path never loads the SDK. */
export async function awsSetup() {
  return (await import('./aws/setup/index')).awsSetup;
}

/** The GCP setup checks the wizard and `dstack config gcp` share, loaded on demand like AWS's. */
export async function gcpSetup() {
  return (await import('./gcp/setup')).gcpSetup;
}
