// Stopping and aborting long jobs, and an invalid workflow file's error, through the UI.
import { expect, shot, test } from './fixtures';
import { ensureLocal, openProject, runWorkflow, tempProject } from './projects';

const LONG = `workflows:
  - name: long
    help: Ticks for five minutes.
    provider: bash
    commands:
      - for i in $(seq 1 600); do echo "tick $i"; sleep 0.5; done
`;

const FAILS = `workflows:
  - name: fails
    help: Finds no data and exits with code 3.
    provider: bash
    commands:
      - echo "loading data/train.csv"
      - 'echo "error: data/train.csv not found" >&2'
      - exit 3
`;

const BROKEN = `workflows:
  - name: broken
    provider: bash
    commands: "not a list"
    resources:
      gpu: lots
`;

test.beforeEach(async ({ request }) => ensureLocal(request));

test('a long job stops on Stop, and another aborts after confirmation', async ({ page }) => {
  await openProject(page, tempProject('long', LONG));
  const rowOf = (run: string) => page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${run}` }) });

  const first = await runWorkflow(page, 'long');
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText('tick 2');
  await expect(rowOf(first).locator('.status')).toHaveText('running');
  await page.getByRole('button', { name: `Stop ${first}` }).click();
  await expect(rowOf(first).locator('.status')).toHaveText('stopped', { timeout: 30_000 });

  const second = await runWorkflow(page, 'long');
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText('tick 2');
  await page.getByRole('button', { name: 'Abort', exact: true }).click();
  const confirm = page.getByRole('group', { name: /Abort .*\?/ });
  await expect(confirm).toBeVisible();
  await shot(page, 'runs-abort-confirm');
  await confirm.getByRole('button', { name: `Abort ${second}` }).click();
  await expect(rowOf(second).locator('.status')).toHaveText('aborted', { timeout: 30_000 });

  await page.getByRole('combobox', { name: 'Status' }).selectOption('aborted');
  await expect(rowOf(second)).toBeVisible();
  await expect(rowOf(first)).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Status' }).selectOption('all');
  await shot(page, 'runs-list');
});

test('a failed run says why and with which exit code, in the list, the header and the log', async ({ page }) => {
  await openProject(page, tempProject('fails', FAILS));
  const runName = await runWorkflow(page, 'fails');
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${runName}` }) });
  await expect(row.locator('.status')).toHaveText('failed', { timeout: 60_000 });
  await expect(row.locator('.reason')).toContainText(/exit code 3/i);
  await expect(page.locator('.detail-head .reason')).toContainText(/exit code 3/i);
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText(/Job failed after \d+ s \(exit code 3\)/);
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText('error: data/train.csv not found');
  await expect(page.getByRole('button', { name: `Stop ${runName}` })).toHaveCount(0);
  await shot(page, 'run-failed');
});

test('an invalid workflow file shows its error with file and line', async ({ page }) => {
  await openProject(page, tempProject('broken', BROKEN));
  const issues = page.getByRole('list', { name: 'Workflow file errors' });
  await expect(issues).toBeVisible();
  await expect(issues).toContainText(/broken\.yaml:\d+/);
  await shot(page, 'workflow-error');
});
