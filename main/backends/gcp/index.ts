/**
 * The GCP backend: Cloud Storage, Cloud Logging and Secret Manager, all over
 * REST with one token source (Application Default Credentials, or a service
 * account key file). Compute Engine comes later, so the backend is complete
 * as a module but not in the registry (common/backends.ts) nor in
 * backends/index.ts: nothing may offer a choice that cannot run a job.
 * Until it is registered its name is not a BackendName, hence GcpBackend.
 */
import type { Backend } from '../../core/backend';
import { dstackHome } from '../../node/home';
import { UnavailableCompute } from './compute';
import type { GcpBackendConfig, GcpEndpoints } from './config';
import { GCP_ENDPOINTS } from './config';
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
}

export function createGcpBackend(config: GcpBackendConfig, opts: GcpBackendOptions = {}): GcpBackend {
  const endpoints = { ...GCP_ENDPOINTS, ...opts.endpoints };
  const http = new GcpHttp(opts.tokens ?? defaultTokens(config.keyFile), opts.retryMs);
  return {
    name: 'gcp',
    storage: new GcsStorage({ http, endpoint: endpoints.storage, bucket: config.bucket }, opts.home ?? dstackHome()),
    compute: new UnavailableCompute(),
    logs: new CloudLogging(http, endpoints.logging, config.project, config.bucket, opts.logPollMs ? { pollMs: opts.logPollMs } : {}),
    secrets: new GcpSecrets(http, endpoints.secretManager, config.project, config.bucket),
    async close() {},
  };
}
