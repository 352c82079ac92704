// examples/hello through the UI: live lines, status, artifact tree, download, drag.
import { readFileSync } from 'node:fs';
import { call, expect, shot, test } from './fixtures';
import { HELLO, ensureLocal, openProject, runWorkflow } from './projects';

test.beforeEach(async ({ request }) => ensureLocal(request));

test('run hello: lines stream while it runs, it ends done, and its artifact downloads byte for byte', async ({ page }) => {
  await openProject(page, HELLO);
  await expect(page.getByText('Prints a few lines, one every 0.3 s')).toBeVisible();
  await shot(page, 'project-workflows');

  const runName = await runWorkflow(page, 'hello');
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${runName}` }) });
  const log = page.getByRole('log', { name: 'Log output' });

  await expect(log).toContainText('Hello from dstack, line 1 of 5');
  // Once its log streams the run is shown as started: the list looks again when the first lines arrive.
  await expect(row.locator('.status')).toHaveText(/^(downloading|running|uploading|done)$/);
  await shot(page, 'run-live-log');

  await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });
  await expect(log).toContainText('Hello from dstack, line 5 of 5');
  await expect(log).toContainText('Saved output/hello.txt');
  await shot(page, 'run-done');

  await page.getByRole('tab', { name: 'Artifacts' }).click();
  const tree = page.getByRole('tree', { name: 'Artifacts' });
  await tree.getByRole('button', { name: 'Expand output' }).click();
  const file = tree.getByRole('treeitem', { name: 'hello.txt' });
  await expect(file).toBeVisible();
  await expect(file).toContainText('in local storage');
  await expect(tree.getByRole('treeitem', { name: 'output' })).toContainText(`${`Hello, world! Written by run ${runName}.\n`.length} B · 1 file`);
  await shot(page, 'artifacts-tree');

  const downloading = page.waitForEvent('download');
  await file.getByRole('button', { name: 'Download hello.txt' }).click();
  const download = await downloading;
  const bytes = readFileSync(await download.path());
  expect(bytes.toString('utf8')).toBe(`Hello, world! Written by run ${runName}.\n`);
  await expect(file.getByText('Downloaded')).toBeVisible();
  await shot(page, 'artifact-downloaded');
});

test('dragging an artifact row carries its item id', async ({ page, request }) => {
  await openProject(page, HELLO);
  const projects = await call(request, 'projects.recent', undefined);
  expect(projects.length).toBeGreaterThan(0);
  await page.getByRole('button', { name: /^Show run / }).first().click();
  await page.getByRole('tab', { name: 'Artifacts' }).click();
  const row = page.getByRole('treeitem', { name: 'output' });
  await expect(row).toHaveAttribute('draggable', 'true');
  const id = await row.getAttribute('data-item-id');
  expect(id).toBeTruthy();
  const dataTransfer = await page.evaluateHandle(() => new DataTransfer());
  await row.dispatchEvent('dragstart', { dataTransfer });
  const carried = await dataTransfer.evaluate((dt) => dt.getData('application/x-dstack-item'));
  expect(carried).toBe(id);
});
