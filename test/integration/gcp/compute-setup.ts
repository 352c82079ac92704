/**
 * Shared fixtures for the GCP compute tests: every Google API the backend
 * calls as a loopback stand-in on one token (Cloud Storage, Compute Engine,
 * Cloud Logging, Secret Manager), the app's backend pointed at them, and a
 * project folder with one workflow.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { GcpBackendConfig, GcpBackendOptions } from '../../../main/backends/gcp/index';
import { createGcpBackend } from '../../../main/backends/gcp/index';
import type { Backend } from '../../../main/core/backend';
import type { GceStandin } from '../../helpers/gce-standin';
import { startGceStandin } from '../../helpers/gce-standin';
import type { GcsStandin } from '../../helpers/gcs-standin';
import { startGcsStandin } from '../../helpers/gcs-standin';
import type { LoggingStandin } from '../../helpers/logging-standin';
import { startLoggingStandin } from '../../helpers/logging-standin';
import type { SecretManagerStandin } from '../../helpers/secret-manager-standin';
import { startSecretManagerStandin } from '../../helpers/secret-manager-standin';
import { FAST_RETRY } from './setup';

export const PROJECT = 'dstack-test-project';
export const ZONE = 'us-central1-a';
export const config: GcpBackendConfig = { type: 'gcp', project: PROJECT, bucket: 'dstack-test-bucket', zone: ZONE };

export interface ComputeFixture {
  gcs: GcsStandin;
  gce: GceStandin;
  logging: LoggingStandin;
  sm: SecretManagerStandin;
  /** A fresh folder per test. */
  work: string;
  /** DSTACK_GCP_*_ENDPOINT for the stand-ins, as a played VM gets them. */
  endpointEnv: Record<string, string>;
}

export function useGcpStandins(): ComputeFixture {
  const f = {} as ComputeFixture;
  beforeAll(async () => {
    [f.gcs, f.gce, f.logging, f.sm] = await Promise.all([startGcsStandin(config.bucket), startGceStandin(PROJECT), startLoggingStandin(PROJECT), startSecretManagerStandin(PROJECT)]);
    // One token for all, as one set of credentials (or one VM's service account) serves every API.
    f.gce.token = f.logging.token = f.sm.token = f.gcs.token;
    f.endpointEnv = {
      DSTACK_GCP_STORAGE_ENDPOINT: f.gcs.endpoint,
      DSTACK_GCP_COMPUTE_ENDPOINT: f.gce.endpoint,
      DSTACK_GCP_LOGGING_ENDPOINT: f.logging.endpoint,
      DSTACK_GCP_SECRETMANAGER_ENDPOINT: f.sm.endpoint,
    };
  });
  afterAll(async () => {
    await Promise.all([f.gcs?.stop(), f.gce?.stop(), f.logging?.stop(), f.sm?.stop()]);
  });
  beforeEach(async () => {
    f.work = await mkdtemp(join(tmpdir(), 'dstack-gce-'));
  });
  afterEach(async () => {
    await rm(f.work, { recursive: true, force: true });
  });
  return f;
}

/**
 * The app's backend on the stand-ins. Typed as a Backend: `gcp` is a
 * registry name only once the GCP setup registers it, and RunService needs one.
 */
export function appBackend(f: ComputeFixture, home: string, opts: Partial<GcpBackendOptions> = {}): Backend {
  return createGcpBackend(config, {
    endpoints: { storage: f.gcs.endpoint, compute: f.gce.endpoint, logging: f.logging.endpoint, secretManager: f.sm.endpoint },
    tokens: async () => f.gcs.token,
    home,
    logPollMs: 100,
    retryMs: FAST_RETRY,
    env: {},
    ...opts,
  }) as unknown as Backend;
}

/** A project folder with one workflow `train`; `extra` adds lines under it (resources, ports). */
export async function project(work: string, commands: string[], extra: string[] = []): Promise<string> {
  const dir = join(work, 'project');
  await mkdir(join(dir, '.dstack', 'workflows'), { recursive: true });
  const lines = ['workflows:', '  - name: train', '    provider: bash', '    commands:', ...commands.map((c) => `      - ${JSON.stringify(c)}`), '    artifacts:', '      - path: out', ...extra.map((l) => `    ${l}`), ''];
  await writeFile(join(dir, '.dstack', 'workflows', 'train.yaml'), lines.join('\n'));
  return dir;
}
