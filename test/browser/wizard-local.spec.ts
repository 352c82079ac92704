// The Local path of the first-run wizard, start to finish, on a server of its
// own so it always starts unconfigured whatever ran before.
import { startServerProcess, type ServerProcess } from './server-process';
import { call, expect, openApp, shot, test, violations } from './fixtures';

let server: ServerProcess;
test.beforeAll(async () => {
  server = await startServerProcess();
});
test.afterAll(async () => server.stop());

test('closing the wizard midway resumes at the same step', async ({ page, request }) => {
  await call(request, 'setup.saveDraft', { step: 'aws-credentials', backend: 'aws' }, server.url);
  await openApp(page, server.url);
  await expect(page.getByRole('heading', { name: 'AWS credentials' })).toBeVisible();
  expect(await violations(page), 'the credentials step').toEqual([]);
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByRole('heading', { name: 'Choose a backend' })).toBeVisible();
  await expect.poll(async () => (await call(request, 'setup.get', undefined, server.url)).draft.step).toBe('backend');
});

test('a new user picks Local in one click and lands on the project screen', async ({ page, request }) => {
  await openApp(page, server.url);
  await expect(page.getByRole('heading', { name: 'Set up dstack' })).toBeVisible();
  const local = page.getByRole('radio', { name: /Local/ });
  await page.getByRole('radio', { name: /AWS/ }).check();
  await expect(page.getByRole('button', { name: 'Next' })).toBeVisible();
  await local.check();
  await expect(local).toBeChecked();
  await shot(page, 'wizard-1-backend');
  expect(await violations(page), 'the backend step').toEqual([]);
  await page.getByRole('button', { name: 'Use Local' }).click();

  await expect(page.getByRole('heading', { name: 'Done' })).toBeVisible();
  await expect(page.getByText('dstack will run workflows on this computer.')).toBeVisible();
  await shot(page, 'wizard-local-done');
  expect(await violations(page), 'the done step').toEqual([]);
  expect((await call(request, 'setup.get', undefined, server.url)).config.backend).toBe('local');

  await page.getByRole('button', { name: 'Open a project' }).click();
  await expect(page.getByRole('heading', { name: 'Open a project' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Project folder' })).toBeVisible();
  await shot(page, 'open-project');

  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('definition').first()).toHaveText('local');
  await shot(page, 'settings');
});
