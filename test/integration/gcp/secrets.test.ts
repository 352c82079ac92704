import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { GcpSecrets } from '../../../main/backends/gcp/secrets';
import type { SecretManagerStandin } from '../../helpers/secret-manager-standin';
import { startSecretManagerStandin } from '../../helpers/secret-manager-standin';
import { FAST_RETRY } from './setup';

let sm: SecretManagerStandin;
let secrets: GcpSecrets;
beforeAll(async () => {
  sm = await startSecretManagerStandin();
  secrets = new GcpSecrets(new GcpHttp(async () => sm.token, FAST_RETRY), sm.endpoint, sm.project, 'dstack-test-bucket');
});
afterAll(() => sm?.stop());

describe('Secret Manager against the stand-in', () => {
  it('sets, replaces, lists, reads and deletes a repo\'s secrets', async () => {
    await secrets.set('acme/app', 'API_KEY', 'first');
    await secrets.set('acme/app', 'API_KEY', 'second ✓');
    await secrets.set('acme/app', 'DB_PASSWORD', 'pw');
    expect(await secrets.list('acme/app')).toEqual(['API_KEY', 'DB_PASSWORD']);
    expect(await secrets.values('acme/app', ['API_KEY', 'DB_PASSWORD'])).toEqual({ API_KEY: 'second ✓', DB_PASSWORD: 'pw' });
    await secrets.delete('acme/app', 'DB_PASSWORD');
    await secrets.delete('acme/app', 'NEVER_SET');
    expect(await secrets.list('acme/app')).toEqual(['API_KEY']);
    const err = await secrets.values('acme/app', ['DB_PASSWORD']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found', message: 'The secret DB_PASSWORD does not exist for this project.' });
    // Every ID is within Secret Manager's rules, scoped to the bucket, and holds no part of the repo's name.
    for (const id of sm.secrets.keys()) expect(id).toMatch(/^dstack-dstack-test-bucket-[0-9a-f]{8}-[A-Z_]+$/);
  });

  it('keeps repos and buckets apart: one cannot list or read another\'s', async () => {
    await secrets.set('team/a', 'TOKEN', 'a-value');
    await secrets.set('team/b', 'TOKEN', 'b-value');
    // A repo whose name starts with the other's.
    await secrets.set('team/a/sub', 'OTHER', 'sub-value');
    expect(await secrets.list('team/a')).toEqual(['TOKEN']);
    expect(await secrets.list('team/b')).toEqual(['TOKEN']);
    expect(await secrets.values('team/a', ['TOKEN'])).toEqual({ TOKEN: 'a-value' });
    expect(await secrets.values('team/b', ['TOKEN'])).toEqual({ TOKEN: 'b-value' });
    await expect(secrets.values('team/b', ['OTHER'])).rejects.toMatchObject({ code: 'not_found' });
    const otherBucket = new GcpSecrets(new GcpHttp(async () => sm.token, FAST_RETRY), sm.endpoint, sm.project, 'another-bucket');
    expect(await otherBucket.list('team/a')).toEqual([]);
    await expect(otherBucket.values('team/a', ['TOKEN'])).rejects.toMatchObject({ code: 'not_found' });
    await secrets.delete('team/a', 'TOKEN');
    expect(await secrets.values('team/b', ['TOKEN'])).toEqual({ TOKEN: 'b-value' });
  });

  it('refuses names that cannot be environment variables, before calling Secret Manager', async () => {
    sm.counts.clear();
    for (const bad of ['1ABC', 'A-B', 'A B', '', 'x'.repeat(129)]) {
      await expect(secrets.set('acme/app', bad, 'v')).rejects.toMatchObject({ code: 'invalid_argument', fix: expect.stringContaining('letters, digits and underscores') });
    }
    expect(sm.counts.size).toBe(0);
  });

  it('never puts a value in an error', async () => {
    const bad = new GcpSecrets(new GcpHttp(async () => 'nope', FAST_RETRY), sm.endpoint, sm.project, 'dstack-test-bucket');
    const err = await bad.set('acme/app', 'LEAKY', 'super-secret-value').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credentials', message: expect.stringContaining('secretmanager.secrets.create') });
    expect(JSON.stringify(err) + String((err as Error).message) + String((err as { fix?: string }).fix)).not.toMatch(/super-secret-value|nope/);
  });
});
