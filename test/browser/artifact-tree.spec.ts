// The artifact tree of a run with nested folders and a folder larger than
// one listing page: folder totals fill in after the tree shows.
import type { Page } from '@playwright/test';
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
