/**
 * `dstack config gcp` run from flags against the Cloud Storage and Resource
 * Manager stand-ins, with a real service-account key: the key goes to the
 * real OS keychain (run under test/with-keyring.sh), every call is signed
 * with it (a self-signed JWT the stand-ins verify with the key's public
 * half), and config.yaml names the key without holding it.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGcpBackend } from '../../../main/backends/gcp/index';
import { GCP_KEYCHAIN_SERVICE } from '../../../main/backends/gcp/keychain';
import { ROLE_PERMISSIONS } from '../../../main/backends/gcp/role';
import { configGcp } from '../../../main/cli/commands/config-gcp';
import type { GcpBackendConfig } from '../../../main/common/config';
import { backendConfigOf, readConfigFile } from '../../../main/core/config-file';
import type { GcsStandin } from '../../helpers/gcs-standin';
import { startGcsStandin } from '../../helpers/gcs-standin';
import type { ResourceManagerStandin } from '../../helpers/resource-manager-standin';
import { startResourceManagerStandin } from '../../helpers/resource-manager-standin';

const PROJECT = 'dstack-test-project';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY = {
  type: 'service_account', project_id: PROJECT, private_key_id: `kid${Date.now()}`,
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  client_email: `dstack@${PROJECT}.iam.gserviceaccount.com`,
};
const ACCOUNT = `${KEY.client_email}/${KEY.private_key_id}`;

/** Accepts a JWT only if this test's key signed it, for this service account, with the cloud-platform scope. */
function signedByTestKey(jwt: string): boolean {
  const [head, body, sig] = jwt.split('.');
  if (!head || !body || !sig) return false;
  const ok = createVerify('RSA-SHA256').update(`${head}.${body}`).verify(publicKey, Buffer.from(sig, 'base64url'));
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { iss?: string; scope?: string };
  return ok && claims.iss === KEY.client_email && claims.scope === 'https://www.googleapis.com/auth/cloud-platform';
}

let gcs: GcsStandin;
let rmStandin: ResourceManagerStandin;
let dir: string;
let home: string;
let keyFile: string;
let printed: string[];

beforeAll(async () => {
  gcs = await startGcsStandin();
  rmStandin = await startResourceManagerStandin(PROJECT);
  gcs.verify = signedByTestKey;
  rmStandin.verify = signedByTestKey;
  dir = await mkdtemp(join(tmpdir(), 'dstack-config-gcp-'));
  keyFile = join(dir, 'key.json');
  await writeFile(keyFile, JSON.stringify(KEY));
});
afterAll(async () => {
  await gcs?.stop();
  await rmStandin?.stop();
  await keytar.deletePassword(GCP_KEYCHAIN_SERVICE, ACCOUNT).catch(() => false);
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  home = await mkdtemp(join(dir, 'home-'));
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
  gcs.granted = undefined;
  rmStandin.granted = undefined;
  gcs.created.clear();
});
afterEach(() => vi.restoreAllMocks());

const deps = () => ({ endpoints: { storage: gcs.endpoint, resourceManager: rmStandin.endpoint } });
const run = (opts: Parameters<typeof configGcp>[0]) => configGcp(opts, home, undefined, deps());

describe('dstack config gcp', () => {
  it('stores --key-file in the keychain, offers its project, checks bucket and permissions, and saves a config that names the key only', async () => {
    await run({ keyFile, region: 'us-central1', bucket: gcs.bucket });
    expect(JSON.parse((await keytar.getPassword(GCP_KEYCHAIN_SERVICE, ACCOUNT)) ?? '{}')).toEqual(KEY);
    expect(await readFile(join(home, 'config.yaml'), 'utf8')).toBe(
      `backend: gcp\nproject: ${PROJECT}\nregion: us-central1\nzone: us-central1-a\nbucket: ${gcs.bucket}\nkeychain_key: ${ACCOUNT}\n`,
    );
    for (const f of await readdir(home, { recursive: true })) {
      expect(await readFile(join(home, f), 'utf8').catch(() => '')).not.toContain('PRIVATE KEY');
    }
    expect(printed).toContain(`Stored the key of ${KEY.client_email} in the OS keychain; ${keyFile} is not needed by dstack any more.`);
    expect(printed.join('\n')).toMatch(/Cloud Storage\s+ok/);
    // The calls were signed with the stored key: the stand-ins accept nothing else.
    expect(rmStandin.counts.get('testIamPermissions')).toBeGreaterThan(0);
    expect(gcs.counts.get('buckets-testIamPermissions')).toBeGreaterThan(0);
    // At run time the backend signs with the key from the keychain too.
    const backend = createGcpBackend(backendConfigOf(await readConfigFile(home), home) as GcpBackendConfig, { endpoints: { storage: gcs.endpoint }, home });
    await backend.storage.put('signed-by-keychain-key', 'ok');
    expect(gcs.objects.get('signed-by-keychain-key')?.data.toString()).toBe('ok');
    await backend.close();
  });

  it('refuses a bucket whose location does not contain the region, saying which region would fit', async () => {
    const err = await run({ keyFile, region: 'europe-west4', bucket: gcs.bucket }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      message: `Bucket ${gcs.bucket} is in US-CENTRAL1, which does not contain europe-west4: every byte would cross regions.`,
      fix: 'Use --region matching us-central1, or another --bucket.',
    });
  });

  it('a missing bucket needs --yes; with it, dstack-{project}-{region} is created in the region', async () => {
    const refused = await run({ keyFile, region: 'us-central1' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ message: `Bucket dstack-${PROJECT}-us-central1 does not exist.`, fix: 'Add --yes to create it, or pass another --bucket.' });
    await run({ keyFile, region: 'us-central1', yes: true });
    expect([...gcs.created]).toEqual([[`dstack-${PROJECT}-us-central1`, 'US-CENTRAL1']]);
    expect(await readFile(join(home, 'config.yaml'), 'utf8')).toContain(`bucket: dstack-${PROJECT}-us-central1\n`);
  });

  it('names each missing permission and the VMs\' service account, prints the role with --show-role, and does not save', async () => {
    rmStandin.granted = new Set(ROLE_PERMISSIONS.filter((p) => p !== 'compute.instances.create'));
    gcs.granted = new Set(ROLE_PERMISSIONS.filter((p) => p !== 'storage.objects.delete'));
    const err = await run({ keyFile, region: 'us-central1', bucket: gcs.bucket, showRole: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'permission',
      message: `Not saved: ${KEY.client_email} lacks 2 permission(s) dstack needs: compute.instances.create, storage.objects.delete.`,
    });
    const out = printed.join('\n');
    expect(out).toMatch(/Cloud Storage\s+missing storage\.objects\.delete/);
    expect(out).toMatch(/Compute Engine\s+missing compute\.instances\.create/);
    expect(out).toContain(`includedPermissions:\n${ROLE_PERMISSIONS.map((p) => `- ${p}`).join('\n')}\n`);
    expect(out).toContain(`gcloud iam roles create dstack --project ${PROJECT} --file dstack-role.yaml`);
    expect(out).toContain('VMs run as PROJECT_NUMBER-compute@developer.gserviceaccount.com');
    await expect(readFile(join(home, 'config.yaml'))).rejects.toThrow(/ENOENT/);
  });

  it('says what is wrong with a key file that is not a service account key', async () => {
    const user = join(dir, 'adc.json');
    await writeFile(user, JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }));
    const err = await run({ keyFile: user, region: 'us-central1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: `${user} is not a service account key (its type is "authorized_user").`, fix: expect.stringContaining('leave out --key-file') });
  });
});
