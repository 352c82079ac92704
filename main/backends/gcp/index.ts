/**
 * The GCP backend: Cloud Storage, Compute Engine, Cloud Logging and Secret
 * Manager, all over REST with one token source (Application Default
 * Credentials, or a service account key file). Endpoints move with the
 * DSTACK_GCP_*_ENDPOINT variables, which the VM's runner reads too.
 * Until it is registered its name is not a BackendName, hence GcpBackend.
 */
import { join } from 'node:path';
import type { Backend } from '../../core/backend';
import { dstackHome } from '../../node/home';
import { builtRunnerBundle, entrySources } from '../../node/launch';
import { GceApi } from './compute-api';
import { GcpCompute } from './compute';
import type { GcpBackendConfig, GcpEndpoints } from './config';
import { endpointsFromEnv, GCP_ENDPOINTS } from './config';
import type { TokenSource } from './http';
import { defaultTokens, GcpHttp } from './http';
import { CloudLogging } from './logs';
import { GcpSecrets } from './secrets';
import { GcsStorage } from './storage';

export type { GcpBackendConfig } from './config';

/** A Backend whose name is `gcp`, which the registry does not list yet. */
export type GcpBackend = Omit<Backend, 'name'> & { readonly name: 'gcp' };

export interface GcpBackendOptions {
  /** Where each API answers; tests point them at loopback stand-ins. */
  endpoints?: Partial<GcpEndpoints>;
  /** Tests: a fixed token instead of Application Default Credentials. */
  tokens?: TokenSource;
  /** DSTACK_HOME, for download staging. */
  home?: string;
  logPollMs?: number;
  /** Pauses before retrying a call that got no answer or a 429/5xx. */
  retryMs?: number[];
  /** The runner bundle uploaded for VMs; default DSTACK_RUNNER_BUNDLE, else the build's `runner.mjs`, else one bundled from source. */
  runnerBundle?: string;
  /** DSTACK_GCP_*_ENDPOINT, DSTACK_RUNNER_BUNDLE, and the runner's GCE_METADATA_HOST; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Running from source there is no build: the runner is bundled from its entry into DSTACK_HOME. */
async function defaultRunnerBundle(env: NodeJS.ProcessEnv, home: string): Promise<string> {
  const built = env.DSTACK_RUNNER_BUNDLE || builtRunnerBundle();
  if (built) return built;
  const { writeRunnerBundle } = await import('../../node/runner-bundle');
  return writeRunnerBundle(entrySources.runner, join(home, 'runner', 'runner.mjs'));
}

export function createGcpBackend(config: GcpBackendConfig, opts: GcpBackendOptions = {}): GcpBackend {
  const env = opts.env ?? process.env;
  const endpoints = { ...GCP_ENDPOINTS, ...endpointsFromEnv(env), ...opts.endpoints };
  const http = new GcpHttp(opts.tokens ?? defaultTokens(config.keyFile, config.keychainKey), opts.retryMs);
  const home = opts.home ?? dstackHome(env);
  const storage = new GcsStorage({ http, endpoint: endpoints.storage, bucket: config.bucket }, home);
  let bundle: Promise<string> | undefined;
  const runnerBundle = async (): Promise<string> => {
    if (opts.runnerBundle) return opts.runnerBundle;
    bundle ??= defaultRunnerBundle(env, home).catch((err: unknown) => {
      bundle = undefined;
      throw err;
    });
    return bundle;
  };
  return {
    name: 'gcp',
    storage,
    compute: new GcpCompute({ config, api: new GceApi(http, endpoints.compute, config.project), storage, home, env, runnerBundle }),
    logs: new CloudLogging(http, endpoints.logging, config.project, config.bucket, opts.logPollMs ? { pollMs: opts.logPollMs } : {}),
    secrets: new GcpSecrets(http, endpoints.secretManager, config.project, config.bucket),
    async close() {},
  };
}
