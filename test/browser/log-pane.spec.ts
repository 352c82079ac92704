// The log pane under load: 200,000 streamed lines keep only about a screenful
// of rows in the DOM, follow sticks to the bottom, scrolling up pauses it.
import { expect, shot, test } from './fixtures';
import { ensureLocal, openProject, runWorkflow, tempProject } from './projects';

const FLOOD = `workflows:
  - name: flood
    help: Prints 200,000 numbered lines.
    provider: bash
    commands:
      - seq -f "line %06g" 1 200000
`;

test.beforeEach(async ({ request }) => ensureLocal(request));

test('200,000 lines: a screenful of rows in the DOM, follow and pause behave', async ({ page }) => {
  await openProject(page, tempProject('flood', FLOOD));
  await runWorkflow(page, 'flood');
  const log = page.getByRole('log', { name: 'Log output' });
  const status = page.getByText(/[\d,]+ lines · (live|finished)/);

  // 200,000 lines of output, then the job's closing line.
  await expect(status).toContainText('200,001 lines · finished', { timeout: 120_000 });
  await expect(log).toContainText('line 200000');
  await expect(log).toContainText(/Job done in \d+ s\./);
  const rows = await log.locator('.log-row').count();
  const visible = Math.ceil((await log.evaluate((el) => el.clientHeight)) / 18);
  expect(rows).toBeGreaterThanOrEqual(visible - 1);
  expect(rows).toBeLessThanOrEqual(visible + 20);
  await shot(page, 'log-pane');

  await log.hover();
  await page.mouse.wheel(0, -3000);
  const jump = page.getByRole('button', { name: 'Jump to latest' });
  await expect(jump).toBeVisible();
  await expect(log).not.toContainText('line 200000');

  await jump.click();
  await expect(jump).toHaveCount(0);
  await expect(log).toContainText('line 200000');
  expect(await log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(18);

  await page.getByRole('searchbox', { name: 'Search the log' }).fill('line 000500');
  await page.getByRole('button', { name: 'Next match' }).click();
  await expect(log.locator('.log-row.match')).toHaveText('line 000500');
  await expect(jump).toBeVisible();
});
