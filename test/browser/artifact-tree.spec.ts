// The artifact tree of a run with nested folders and a folder larger than
// one listing page: folder totals fill in after the tree shows; a folder row
// drags with its id and downloads as a .zip of the same bytes; the keyboard
// drives the tree as the ARIA tree pattern says.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { unzipAll } from '../helpers/unzip';
import { expect, shot, test } from './fixtures';
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
  expect(files).toEqual({ 'sub/b.txt': 'bb', 'sub/deep/c.txt': 'cccccc' });
  await expect(sub.getByText('Downloaded')).toBeVisible();

  // The 1,200-file folder takes a moment: the README's picture of a download under way.
  const many = tree.getByRole('treeitem', { name: 'many' });
  const zipping = page.waitForEvent('download');
  await many.getByRole('button', { name: 'Download many' }).click();
  await shot(page, 'artifact-downloading');
  expect((await zipping).suggestedFilename()).toBe('many.zip');
  await expect(many.getByText('Downloaded')).toBeVisible();
});

test('the tree is driven by the keyboard: arrows move and open, Home/End jump, Enter downloads, Tab leaves', async ({ page }) => {
  const tree = await openTree(page);
  const item = (name: string) => tree.getByRole('treeitem', { name, exact: true });

  // The listing arrives after the tab opens; a Tab pressed before it has a row to land on goes elsewhere, as it would for a person.
  await expect(item('out'), 'the tree has listed its first row, the tab stop').toHaveAttribute('tabindex', '0');
  await page.getByRole('combobox', { name: 'Source' }).focus();
  await page.keyboard.press('Tab');
  await expect(item('out')).toBeFocused();
  await expect(item('out')).toHaveAttribute('aria-expanded', 'false');
  await expect(item('out')).toHaveAttribute('aria-level', '1');

  await page.keyboard.press('ArrowRight');
  await expect(item('out')).toHaveAttribute('aria-expanded', 'true');
  await expect(item('out')).toBeFocused();
  await expect(item('out').getByRole('group').getByRole('treeitem')).toHaveText([/^▸ many/, /^▸ sub/, /^a\.txt/]);
  await page.keyboard.press('ArrowRight');
  await expect(item('many')).toBeFocused();
  await expect(item('many')).toHaveAttribute('aria-level', '2');
  await page.keyboard.press('ArrowDown');
  await expect(item('sub')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(item('deep')).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(item('deep')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(item('c.txt')).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(item('c.txt')).toBeFocused();
  await expect(item('c.txt')).toHaveAttribute('aria-level', '4');
  await shot(page, 'artifacts-tree-keyboard');

  await page.keyboard.press('ArrowLeft');
  await expect(item('deep')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(item('deep')).toHaveAttribute('aria-expanded', 'false');
  await expect(item('c.txt')).toHaveCount(0);
  await page.keyboard.press('ArrowLeft');
  await expect(item('sub')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(item('many')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(item('out')).toBeFocused();
  await page.keyboard.press('End');
  await expect(item('a.txt')).toBeFocused();

  // Only the focused row is a tab stop: Tab reaches its own button, then leaves the tree.
  await expect(tree.locator('[role="treeitem"][tabindex="0"]')).toHaveCount(1);
  await page.keyboard.press('Tab');
  await expect(item('a.txt').getByRole('button', { name: 'Download a.txt' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(item('a.txt')).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('[role="tree"]')?.tagName ?? 'outside')).toBe('outside');
  await item('a.txt').focus();

  const downloading = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const download = await downloading;
  expect(readFileSync(await download.path()).toString('utf8')).toBe('aaaa');
});

test('"Load more" is a row the keyboard reaches; Enter loads the next page and focuses its first row', async ({ page }) => {
  const tree = await openTree(page);
  const item = (name: string) => tree.getByRole('treeitem', { name, exact: true });
  await tree.getByRole('button', { name: 'Expand out' }).click();
  await tree.getByRole('button', { name: 'Expand many' }).click();
  const files = item('many').getByRole('group').getByRole('treeitem');
  await expect(files).toHaveCount(1001);
  await item('sub').focus();
  await page.keyboard.press('ArrowUp');
  await expect(item('Load more')).toBeFocused();
  await page.keyboard.press('Enter');
  const names = Array.from({ length: 1200 }, (_, i) => `f${i + 1}.txt`).sort();
  await expect(item(names[1000]!)).toBeFocused();
  await expect(files).toHaveCount(1200);
  await expect(item('Load more')).toHaveCount(0);
  await page.keyboard.press('ArrowDown');
  await expect(item(names[1001]!)).toBeFocused();
});
