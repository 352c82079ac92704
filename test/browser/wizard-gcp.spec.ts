// The GCP path of the wizard against the Cloud Storage and Resource Manager
// stand-ins (test/browser/serve-gcp.ts): a service-account key file goes to
// the keychain and signs every call; project from the key, region and zone
// from the bundled list, a bucket in another location refused, the
// suggested bucket created, the permission rows, the role and the VMs'
// service account, saved.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from './server-process';
import { call, expect, openApp, shot, test, violations } from './fixtures';

test.describe.configure({ mode: 'serial' });

const PROJECT = 'dstack-test-project';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyFile = join(mkdtempSync(join(tmpdir(), 'dstack-gcp-key-')), 'key.json');
writeFileSync(keyFile, JSON.stringify({
  type: 'service_account', project_id: PROJECT, private_key_id: `ui${Date.now()}`,
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: `wizard@${PROJECT}.iam.gserviceaccount.com`,
}));
const env = { DSTACK_TEST_GCP_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(), DSTACK_TEST_GCP_PROJECT: PROJECT };

let server: ServerProcess | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('key file, location, bucket checked and created, permissions with the role, saved', async ({ page, request }) => {
  server = await startServerProcess({ ...env, DSTACK_TEST_GCP_DENY: 'compute.instances.create' }, 'serve-gcp.ts');
  await openApp(page, server.url);
  await page.getByRole('radio', { name: /GCP/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Google Cloud credentials' })).toBeVisible();
  await page.getByRole('radio', { name: /service account key file/ }).check();
  await page.getByRole('textbox', { name: 'Key file (JSON)' }).fill(keyFile);
  await shot(page, 'wizard-2-gcp-credentials');
  expect(await violations(page), 'the credentials step').toEqual([]);
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Project and location' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Project id' })).toHaveValue(PROJECT);
  await page.getByRole('combobox', { name: 'Region' }).selectOption('us-central1');
  await page.getByRole('combobox', { name: 'Zone' }).selectOption('us-central1-b');
  await page.getByRole('textbox', { name: 'Network (VPC)' }).fill('ml-vpc');
  await page.getByRole('textbox', { name: 'Subnet' }).fill('ml-central');
  expect(await violations(page), 'the location step').toEqual([]);
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Bucket' })).toBeVisible();
  const name = page.getByRole('textbox', { name: 'Bucket name' });
  await expect(name).toHaveValue(`dstack-${PROJECT}-us-central1`);
  // The project's buckets are listed, filtered by what is typed.
  await name.fill('dstack-test');
  await expect(page.getByRole('option', { name: /dstack-test-bucket/ })).toBeVisible();
  await name.fill(`dstack-${PROJECT}-us-central1`);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert')).toHaveText(`Bucket dstack-${PROJECT}-us-central1 does not exist.`);
  await shot(page, 'wizard-4-gcp-bucket-missing');
  await page.getByRole('button', { name: `Create dstack-${PROJECT}-us-central1 in us-central1` }).click();

  await expect(page.getByRole('heading', { name: 'Check permissions' })).toBeVisible();
  await expect(page.getByRole('row', { name: /^Compute Engine / })).toContainText('compute.instances.create');
  await expect(page.getByRole('row', { name: /^Cloud Storage / })).toContainText('✓');
  await expect(page.getByLabel('Custom role (dstack-role.yaml)')).toContainText('- compute.instances.create');
  await expect(page.getByLabel('Create and grant it')).toContainText(`gcloud iam roles create dstack --project ${PROJECT} --file dstack-role.yaml`);
  await expect(page.getByText(/VMs run as .*-compute@developer\.gserviceaccount\.com/)).toBeVisible();
  await shot(page, 'wizard-5-gcp-permissions');
  expect(await violations(page), 'the permission check').toEqual([]);
  await page.getByRole('button', { name: 'Save anyway' }).click();

  await expect(page.getByText(`dstack will run workflows on GCP in us-central1-b (project ${PROJECT}), with artifacts in dstack-${PROJECT}-us-central1.`)).toBeVisible();
  const saved = await call(request, 'setup.get', undefined, server.url);
  expect(saved.config).toMatchObject({ backend: 'gcp', gcp: { project: PROJECT, region: 'us-central1', zone: 'us-central1-b', bucket: `dstack-${PROJECT}-us-central1`, account: `wizard@${PROJECT}.iam.gserviceaccount.com`, network: 'ml-vpc', subnet: 'ml-central' } });

  // Settings shows the GCP config, naming the key's account, never the key.
  await page.getByRole('button', { name: 'Open a project' }).click();
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('definition').first()).toHaveText('gcp');
  await expect(page.getByText(`wizard@${PROJECT}.iam.gserviceaccount.com (key in the keychain)`)).toBeVisible();
  await expect(page.getByText('us-central1-b', { exact: true })).toBeVisible();
  expect(await page.content()).not.toContain('PRIVATE KEY');
});

test('a bucket whose location does not contain the region is refused with the reason', async ({ page, request }) => {
  server = await startServerProcess(env, 'serve-gcp.ts');
  const stored = await call(request, 'gcp.saveKey', { path: keyFile }, server.url);
  await call(request, 'setup.saveDraft', { step: 'gcp-bucket', backend: 'gcp', gcpCredentials: { keychainKey: stored.keychainKey }, project: PROJECT, region: 'europe-west4', zone: 'europe-west4-a' }, server.url);
  await openApp(page, server.url);
  await page.getByRole('textbox', { name: 'Bucket name' }).fill('dstack-test-bucket');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert')).toHaveText('Bucket dstack-test-bucket is in US-CENTRAL1, which does not contain europe-west4: every byte would cross regions.');
  await expect(page.getByRole('heading', { name: 'Bucket' })).toBeVisible();
});
