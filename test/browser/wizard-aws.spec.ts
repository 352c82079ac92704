// The AWS path of the wizard against s3rver (S3) and stubs for STS, EC2 and
// IAM (test/browser/serve-aws.ts): listing allowed, listing denied, a bucket
// in another region, and a missing permission.
import { startServerProcess, type ServerProcess } from './server-process';
import { call, expect, openApp, shot, test, violations } from './fixtures';

test.describe.configure({ mode: 'serial' });

let server: ServerProcess | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('listing allowed: profile, region, pick a bucket, all permissions green, saved', async ({ page, request }) => {
  server = await startServerProcess({}, 'serve-aws.ts');
  await openApp(page, server.url);
  await page.getByRole('radio', { name: /AWS/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'AWS credentials' })).toBeVisible();
  await expect(page.getByRole('radio', { name: /Profile corp/ }).locator('..')).toContainText('SSO');
  await expect(page.getByRole('radio', { name: /Profile test/ }).locator('..')).not.toContainText('SSO');
  await page.getByRole('radio', { name: /Profile test/ }).check();
  await shot(page, 'wizard-2-aws-credentials');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Region' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Region' }).selectOption('us-east-1');
  await shot(page, 'wizard-3-aws-region');
  expect(await violations(page), 'the region step').toEqual([]);
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Bucket' })).toBeVisible();
  await expect(page.getByRole('option', { name: 'dstack-test' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create dstack-123456789012-us-east-1' })).toBeVisible();
  const name = page.getByRole('textbox', { name: 'Bucket name' });
  await name.fill('eu-artifacts');
  await expect(page.getByRole('alert')).toContainText('is in eu-central-1, not in us-east-1');
  await expect(page.getByRole('button', { name: 'Switch region to eu-central-1' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
  await shot(page, 'wizard-4-aws-bucket-wrong-region');
  expect(await violations(page), 'the bucket step with a wrong-region note').toEqual([]);
  await name.fill('dstack');
  await page.getByRole('option', { name: 'dstack-test' }).click();
  await expect(page.getByText('✓ The bucket is reachable with these credentials.')).toBeVisible();
  await shot(page, 'wizard-4-aws-bucket');
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Check permissions' })).toBeVisible();
  for (const service of ['S3', 'EC2', 'IAM', 'CloudWatch Logs', 'Secrets Manager']) {
    await expect(page.getByRole('row', { name: new RegExp(`^${service} `) })).toContainText('✓ allowed');
  }
  await expect(page.getByLabel('IAM policy for dstack-test')).toContainText('arn:aws:s3:::dstack-test');
  await expect(page.getByRole('button', { name: 'Copy policy' })).toBeVisible();
  await shot(page, 'wizard-5-aws-permissions');
  expect(await violations(page), 'the permission check').toEqual([]);
  await page.getByRole('button', { name: 'Save', exact: true }).click();

  await expect(page.getByText('dstack will run workflows on AWS in us-east-1, with artifacts in dstack-test.')).toBeVisible();
  await shot(page, 'wizard-6-aws-done');
  expect(await violations(page), 'the done step').toEqual([]);
  const saved = await call(request, 'setup.get', undefined, server.url);
  expect(saved.config).toMatchObject({ backend: 'aws', aws: { region: 'us-east-1', bucket: 'dstack-test', profile: 'test' } });
});

test('listing denied and a missing permission: typed name, red EC2 row naming the action', async ({ page, request }) => {
  server = await startServerProcess({ DSTACK_TEST_S3_LIST: 'deny', DSTACK_TEST_DENY: 'ec2:RunInstances' }, 'serve-aws.ts');
  await call(request, 'setup.saveDraft', { step: 'aws-bucket', backend: 'aws', credentials: { profile: 'test' }, region: 'us-east-1' }, server.url);
  await openApp(page, server.url);
  await expect(page.getByRole('heading', { name: 'Bucket' })).toBeVisible();
  await expect(page.getByText(/cannot list buckets .* That is normal/)).toBeVisible();
  await expect(page.getByRole('listbox')).toHaveCount(0);
  await page.getByRole('textbox', { name: 'Bucket name' }).fill('dstack-test');
  await expect(page.getByText('✓ The bucket is reachable with these credentials.')).toBeVisible();
  await shot(page, 'wizard-4-aws-bucket-typed');
  await page.getByRole('button', { name: 'Next' }).click();

  const ec2 = page.getByRole('row', { name: /^EC2 / });
  await expect(ec2).toContainText('missing: ec2:RunInstances');
  await expect(ec2).toHaveClass('bad');
  await expect(page.getByRole('row', { name: /^S3 / })).toContainText('✓ allowed');
  await expect(page.getByRole('button', { name: 'Save anyway' })).toBeVisible();
  await shot(page, 'wizard-5-aws-permissions-missing');
  expect(await violations(page), 'the permission check naming a missing action').toEqual([]);
});

test('an unreachable STS endpoint: the credentials step names the variable and its value, never SDK text', async ({ page }) => {
  const net = await import('node:net');
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  server = await startServerProcess({ DSTACK_TEST_STS: 'real', AWS_ENDPOINT_URL_STS: closed }, 'serve-aws.ts');
  await openApp(page, server.url);
  await page.getByRole('radio', { name: /AWS/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: /Profile test/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();

  const alert = page.getByRole('alert');
  await expect(alert).toContainText(`Cannot reach AWS_ENDPOINT_URL_STS=${closed}: nothing answers there (ECONNREFUSED).`, { timeout: 30_000 });
  await expect(alert).toContainText('or unset AWS_ENDPOINT_URL_STS to use AWS itself.');
  await expect(alert).not.toContainText('connect ECONNREFUSED');
  await expect(page.getByRole('heading', { name: 'AWS credentials' })).toBeVisible();
});
