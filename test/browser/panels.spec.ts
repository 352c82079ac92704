// Saving a full log as a browser download, tags (add, browse by tag, delete)
// and write-only secrets, through the UI on the local backend.
import { readFileSync } from 'node:fs';
import { expect, shot, test } from './fixtures';
import { HELLO, ensureLocal, openProject, runWorkflow } from './projects';

test.beforeEach(async ({ request }) => ensureLocal(request));

test('save the full log, tag the run, browse the tag, add and delete a secret', async ({ page }) => {
  await openProject(page, HELLO);
  const runName = await runWorkflow(page, 'hello');
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${runName}` }) });
  await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });

  const saving = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save full log' }).click();
  const saved = readFileSync(await (await saving).path(), 'utf8');
  expect(saved).toContain('Hello from dstack, line 1 of 5');
  expect(saved).toContain('Hello from dstack, line 5 of 5');

  await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'Tags' }).click();
  await page.getByRole('textbox', { name: 'Tag' }).fill(`greeting-${runName}`);
  await page.getByRole('combobox', { name: 'Run' }).selectOption(runName);
  await page.getByRole('button', { name: 'Add tag' }).click();
  const tagRow = page.getByRole('row', { name: new RegExp(`greeting-${runName}`) });
  await expect(tagRow).toContainText(runName);
  await shot(page, 'tags');

  await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'Runs' }).click();
  await page.getByRole('button', { name: `Show run ${runName}` }).click();
  await page.getByRole('tab', { name: 'Artifacts' }).click();
  await page.getByRole('combobox', { name: 'Source' }).selectOption(`greeting-${runName}`);
  await expect(page.getByRole('treeitem', { name: 'output' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'Tags' }).click();
  await tagRow.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: `Delete greeting-${runName}` }).click();
  await expect(tagRow).toHaveCount(0);

  await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'Secrets' }).click();
  await page.getByRole('textbox', { name: 'Name' }).fill('API_TOKEN');
  await page.getByLabel('Value').fill('hunter2-very-secret');
  await page.getByRole('button', { name: 'Add secret' }).click();
  const names = page.getByRole('list', { name: 'Secret names' });
  await expect(names).toContainText('API_TOKEN');
  await expect(page.getByLabel('Value')).toHaveValue('');
  expect(await page.content()).not.toContain('hunter2-very-secret');
  await shot(page, 'secrets');
  await names.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete API_TOKEN' }).click();
  await expect(names).not.toContainText('API_TOKEN');
});
