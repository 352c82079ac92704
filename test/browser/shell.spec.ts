// The app shell as a desktop user meets it at 1280×800: the log stays in
// view beside a long runs list, nothing scrolls sideways, no screen has an
// accessibility violation or a console error, and a broken workflow file
// blocks only its own workflows.
import type { Page } from '@playwright/test';
import { call, expect, openApp, shot, test, violations } from './fixtures';
import { ensureLocal, openProject, runWorkflow, tempProject } from './projects';

const QUICK = `workflows:
  - name: quick
    help: Says hi and ends.
    provider: bash
    commands:
      - echo hi
`;

const GOOD_AND_BAD = {
  good: `workflows:
  - name: good
    provider: bash
    commands:
      - echo fine
`,
  bad: `workflows:
  - name: bad
    provider: bash
    commands:
      - echo never
    resources:
      gpu: lots
`,
};

test.use({ viewport: { width: 1280, height: 800 } });
test.beforeEach(async ({ request }) => ensureLocal(request));

/** Fails when the page scrolls, either way: an app shell scrolls inside its panes. */
async function pageScroll(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => {
    const el = document.scrollingElement as HTMLElement;
    return { x: el.scrollWidth - el.clientWidth, y: el.scrollHeight - el.clientHeight };
  });
}

test('with 30 runs the log pane is in view without scrolling, and nothing scrolls sideways', async ({ page, request }) => {
  const project = tempProject('quick', QUICK);
  await openProject(page, project);
  const { id } = (await call(request, 'projects.recent', undefined)).find((p) => p.displayPath.endsWith('quick'))!;
  test.setTimeout(300_000);
  // Submitted at once, as 29 people pressing Run together would: the names must still be unique.
  await Promise.all(Array.from({ length: 29 }, () => call(request, 'runs.submit', { projectId: id, workflow: 'quick', args: [] })));
  const last = await runWorkflow(page, 'quick');
  await expect(page.getByRole('table', { name: 'Runs' }).getByRole('row')).toHaveCount(31);
  const log = page.getByRole('log', { name: 'Log output' });
  await expect(log).toContainText('hi', { timeout: 60_000 });
  const box = await log.boundingBox();
  expect(box, 'the log pane has a box').not.toBeNull();
  expect(box!.y + Math.min(box!.height, 120), `log at y=${box!.y} h=${box!.height} in an 800 px window`).toBeLessThanOrEqual(800);
  expect(await pageScroll(page)).toEqual({ x: 0, y: 0 });
  await expect(page).toHaveTitle(`${last} — quick — dstack`);
  await page.setViewportSize({ width: 800, height: 700 });
  expect(await pageScroll(page), 'no page scroll at 800 px wide').toEqual({ x: 0, y: 0 });
});

test('a broken workflow file blocks only its own workflows: the valid one beside it runs, and focus follows opening and running', async ({ page }) => {
  const project = tempProject('good', GOOD_AND_BAD.good);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${project}/.dstack/workflows/bad.yaml`, GOOD_AND_BAD.bad);
  await openProject(page, project);
  // Focus follows each action: the opened project's heading, then the run just submitted.
  await expect(page.getByRole('heading', { level: 1, name: 'good' })).toBeFocused();
  const issues = page.getByRole('list', { name: 'Workflow file errors' });
  await expect(issues).toContainText(/bad\.yaml:\d+:\d+/);
  const runName = await runWorkflow(page, 'good');
  await expect(page.getByRole('heading', { level: 2, name: runName })).toBeFocused();
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${runName}` }) });
  await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText('fine');
});

test('no screen has an accessibility violation, and loading logs no console error', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  await openApp(page);
  const folder = page.getByRole('textbox', { name: 'Project folder' });
  const runsHeading = page.getByRole('heading', { name: 'Runs', exact: true });
  await expect(folder.or(runsHeading).first()).toBeVisible();
  expect(errors, 'console errors on load').toEqual([]);

  const sidebar = page.getByRole('navigation', { name: 'Sidebar' });
  await sidebar.getByRole('button', { name: 'Open a project…' }).click();
  expect(await violations(page), 'project picker').toEqual([]);

  const project = tempProject('quick', QUICK);
  await openProject(page, project);
  const runName = await runWorkflow(page, 'quick');
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${runName}` }) });
  await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });
  expect(await violations(page), 'runs with the log').toEqual([]);
  for (const tab of ['Artifacts', 'Details']) {
    await page.getByRole('tab', { name: tab }).click();
    expect(await violations(page), `the ${tab} tab`).toEqual([]);
  }
  for (const view of ['Tags', 'Secrets', 'Settings']) {
    await sidebar.getByRole('button', { name: view }).click();
    expect(await violations(page), `the ${view} view`).toEqual([]);
  }
  await sidebar.getByRole('button', { name: 'Runs' }).click();
  await sidebar.getByRole('button', { name: 'Run quick' }).click();
  expect(await violations(page), 'the Run dialog').toEqual([]);
  await shot(page, 'run-dialog');
  expect(errors, 'console errors while using the app').toEqual([]);
});
