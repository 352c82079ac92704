// The artifact tree of a run with nested folders and a folder larger than
// one listing page: folder totals fill in after the tree shows; a folder row
// drags with its id and downloads as a .zip of the same bytes.
import type { Page } from '@playwright/test';
import { unzipAll } from '../helpers/unzip';
import { expect, test } from './fixtures';
import { ensureLocal, openProject, runWorkflow, tempProject } from './projects';

const TREE = `workflows:
  - name: tree
    help: Saves nested folders and 1,200 small files.
    provider: bash
    commands:
      - mkdir -p out/sub/deep out/many
      - printf aaaa > out/a.txt && printf bb > out/sub/b.txt && printf cccccc > out/sub/deep/c.txt
      - for i in $(seq 1 1200); do printf x > out/many/f$i.txt; done
    artifacts:
      - path: out
`;

let project = '';
let runName = '';

test.describe.configure({ mode: 'serial' });
test.beforeEach(async ({ request }) => ensureLocal(request));

/** Opens the project and the finished run's artifact tree (running it the first time). */
async function openTree(page: Page) {
  if (!project) project = tempProject('tree', TREE);
  await openProject(page, project);
  if (!runName) {
    runName = await runWorkflow(page, 'tree');
    const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${runName}` }) });
    await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });
  } else {
    await page.getByRole('button', { name: `Show run ${runName}` }).click();
  }
  await page.getByRole('tab', { name: 'Artifacts' }).click();
  return page.getByRole('tree', { name: 'Artifacts' });
}

test('folder rows show their total size and file count, counted at every depth', async ({ page }) => {
  const tree = await openTree(page);
  const out = tree.getByRole('treeitem', { name: 'out' });
  await expect(out).toContainText('1.2 KB · 1,203 files');
  await tree.getByRole('button', { name: 'Expand out' }).click();
  await expect(tree.getByRole('treeitem', { name: 'many' })).toContainText('1.2 KB · 1,200 files');
  await expect(tree.getByRole('treeitem', { name: 'sub' })).toContainText('8 B · 2 files');
  await expect(tree.getByRole('treeitem', { name: 'a.txt' })).toContainText('4 B');
});

test('a folder row carries its id on an HTML5 drag, and downloads as a .zip of its files', async ({ page }, testInfo) => {
  const tree = await openTree(page);
  await tree.getByRole('button', { name: 'Expand out' }).click();
  const sub = tree.getByRole('treeitem', { name: 'sub' });
  await expect(sub).toHaveAttribute('draggable', 'true');
  const dataTransfer = await page.evaluateHandle(() => new DataTransfer());
  await sub.dispatchEvent('dragstart', { dataTransfer });
  expect(await dataTransfer.evaluate((dt) => dt.getData('application/x-dstack-item'))).toBe(await sub.getAttribute('data-item-id'));

  const downloading = page.waitForEvent('download');
  await sub.getByRole('button', { name: 'Download sub' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('sub.zip');
  const zip = testInfo.outputPath('sub.zip');
  await download.saveAs(zip);
  const files = Object.fromEntries([...unzipAll(zip)].map(([name, bytes]) => [name, bytes.toString('utf8')]));
  expect(files).toEqual({ 'b.txt': 'bb', 'deep/c.txt': 'cccccc' });
  await expect(sub.getByText('Downloaded')).toBeVisible();
});
