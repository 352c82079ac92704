import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpBackend } from '../../../main/backends/gcp/index';
import { createBackend } from '../../../main/backends/index';
import { backendInfo, isBackendName } from '../../../main/common/backends';
import type { Job } from '../../../main/common/job';
import type { GcsStandin } from '../../helpers/gcs-standin';
import { startGcsStandin } from '../../helpers/gcs-standin';
import type { LoggingStandin } from '../../helpers/logging-standin';
import { startLoggingStandin } from '../../helpers/logging-standin';
import type { SecretManagerStandin } from '../../helpers/secret-manager-standin';
import { startSecretManagerStandin } from '../../helpers/secret-manager-standin';
import { FAST_RETRY } from './setup';

let gcs: GcsStandin;
let logging: LoggingStandin;
let sm: SecretManagerStandin;
beforeAll(async () => {
  [gcs, logging, sm] = await Promise.all([startGcsStandin(), startLoggingStandin(), startSecretManagerStandin()]);
  // One token for all three, as one set of credentials serves every API.
  logging.token = gcs.token;
  sm.token = gcs.token;
});
afterAll(async () => {
  await Promise.all([gcs?.stop(), logging?.stop(), sm?.stop()]);
});

const config = { type: 'gcp' as const, project: 'dstack-test-project', bucket: 'dstack-test-bucket' };

describe('createGcpBackend', () => {
  it('assembles storage, logs and secrets on one token, and asks for a zone before it runs jobs', async () => {
    const backend = createGcpBackend(config, {
      endpoints: { storage: gcs.endpoint, logging: logging.endpoint, secretManager: sm.endpoint },
      tokens: async () => gcs.token,
      retryMs: FAST_RETRY,
    });
    expect(backend.name).toBe('gcp');
    await backend.storage.put('jobs/acme/app/j1.json', '{}', { ifNoneMatch: '*' });
    expect((await backend.storage.get('jobs/acme/app/j1.json'))?.toString()).toBe('{}');
    const job = { repo: 'acme/app', id: 'j1,train,0', submittedAt: Date.now() } as Job;
    const sink = await backend.logs.open(job);
    await sink.write([{ id: '1', time: Date.now(), stream: 'stdout', text: 'hello' }]);
    await sink.close();
    const lines: string[] = [];
    for await (const batch of backend.logs.read(job)) lines.push(...batch.map((e) => e.text));
    expect(lines).toEqual(['hello']);
    await backend.secrets.set('acme/app', 'TOKEN', 't');
    expect(await backend.secrets.values('acme/app', ['TOKEN'])).toEqual({ TOKEN: 't' });
    const withResources = { ...job, resources: { interruptible: false } } as Job;
    for (const call of [() => backend.compute.offer(withResources), () => backend.compute.launch(withResources)]) {
      await expect(call()).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('name no zone'), fix: expect.stringContaining('dstack config gcp') });
    }
    const zoned = createGcpBackend({ ...config, zone: 'us-central1-a' }, { endpoints: { storage: gcs.endpoint }, tokens: async () => gcs.token });
    expect(await zoned.compute.offer(withResources)).toMatchObject({ instanceType: 'e2-medium', region: 'us-central1' });
    await backend.close();
  });

  it('names the key file and the fix when the credentials cannot be loaded', async () => {
    const keyFile = join('/nonexistent', 'dstack-key.json');
    const backend = createGcpBackend({ ...config, keyFile }, { endpoints: { storage: gcs.endpoint }, retryMs: FAST_RETRY });
    const err = await backend.storage.get('x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credentials', fix: `Check that ${keyFile} is a service account key file you can read.` });
  });

  it('is in the registry, with its wizard steps, and the registry\'s factory builds it', async () => {
    expect(isBackendName('gcp')).toBe(true);
    expect(backendInfo('gcp').steps).toEqual(['gcp-credentials', 'gcp-location', 'gcp-bucket', 'gcp-permissions', 'done']);
    const backend = await createBackend({ ...config, zone: 'us-central1-a' });
    expect(backend.name).toBe('gcp');
    await backend.close();
  });
});
