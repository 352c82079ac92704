// The wizard's third choice, "Connect to a team hub", against a real hub
// (test/browser/serve-hub.ts: SQLite store, a local-backend project with one
// finished hello run): a wrong token gets one sentence with the fix; the
// right one lists the member's projects with their role; connecting keeps
// the token out of everything the page can read; finishing opens the hub
// project, whose runs, log and artifacts (downloaded through the hub) the app
// shows as any other backend's.
import { mkdtempSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from './server-process';
import type { Page } from '@playwright/test';
import { call, expect, openApp, shot, test, violations } from './fixtures';

test.describe.configure({ mode: 'serial' });

let server: ServerProcess | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface HubSetup {
  hubUrl: string;
  token: string;
  readToken: string;
  runName: string;
}

/** `dstack server` beside a real hub (serve-hub.ts), and what the hub was set up with. */
async function startWithHub(): Promise<HubSetup> {
  const setupFile = join(mkdtempSync(join(tmpdir(), 'dstack-ui-hub-setup-')), 'setup.json');
  server = await startServerProcess({ DSTACK_TEST_HUB_SETUP: setupFile, DSTACK_TEST_HUB_KEYCHAIN: `dstack-hub-ui-${randomBytes(4).toString('hex')}` }, 'serve-hub.ts');
  return JSON.parse(readFileSync(setupFile, 'utf8')) as HubSetup;
}

/** The wizard's hub step with a token that works, through Finish. */
async function connectInWizard(page: Page, hub: HubSetup, token: string): Promise<void> {
  await page.getByRole('radio', { name: /Connect to a team hub/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('textbox', { name: 'Hub URL' }).fill(hub.hubUrl);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('button', { name: 'Open alpha' }).click();
}

test('a wrong token is one sentence; the right one lists projects; finishing shows the hub project\'s runs', async ({ page, request }) => {
  const hub = await startWithHub();
  if (!server) throw new Error('no server');

  await openApp(page, server.url);
  await page.getByRole('radio', { name: /Connect to a team hub/ }).check();
  await page.getByRole('button', { name: 'Next' }).click();

  await expect(page.getByRole('heading', { name: 'Team hub' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Hub URL' }).fill(hub.hubUrl);
  await page.getByLabel('Token').fill('not-the-token');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'The hub refused the token: it is unknown, revoked or was replaced by a new one. Ask the hub admin for a new token (users.rotate), then run `dstack config hub` again.',
  );
  await expect(page.getByRole('button', { name: 'Connect', exact: true })).toBeDisabled();

  await page.getByLabel('Token').fill(hub.token);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Connected as' })).toHaveText('Connected as ana. Pick the project to use:');
  await expect(page.getByRole('radio', { name: 'alpha — role run, on Local' })).toBeChecked();
  await shot(page, 'wizard-2-hub-projects');
  expect(await violations(page), 'the team hub step').toEqual([]);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();

  const host = new URL(hub.hubUrl).host;
  await expect(page.getByText(`dstack will run workflows through the team hub at ${host}, in project alpha (role run).`)).toBeVisible();
  // The token went to the keychain: nothing the page can read holds it.
  const saved = await call(request, 'setup.get', undefined, server.url);
  expect(saved.config.hub).toEqual({ url: hub.hubUrl, project: 'alpha', role: 'run', user: 'ana' });
  expect(JSON.stringify(saved)).not.toContain(hub.token);
  await page.getByRole('button', { name: 'Open alpha' }).click();

  // The hub project's run, listed and followed through the hub.
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${hub.runName}` }) });
  await expect(row).toBeVisible();
  await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });
  await row.getByRole('button', { name: `Show run ${hub.runName}` }).click();
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText('Hello from dstack, line 5 of 5');
  await expect(page.getByRole('contentinfo', { name: 'Status' })).toContainText(`Team hub · alpha on ${host}`);

  // Its artifact, listed and downloaded through the hub.
  const hello = `Hello, world! Written by run ${hub.runName}.\n`;
  await page.getByRole('tab', { name: 'Artifacts' }).click();
  const tree = page.getByRole('tree', { name: 'Artifacts' });
  await tree.getByRole('button', { name: 'Expand output' }).click();
  await expect(tree.getByRole('treeitem', { name: 'output' })).toContainText(`${hello.length} B · 1 file`);
  const file = tree.getByRole('treeitem', { name: 'hello.txt' });
  const downloading = page.waitForEvent('download');
  await file.getByRole('button', { name: 'Download hello.txt' }).click();
  expect(readFileSync(await (await downloading).path()).toString('utf8')).toBe(hello);
  await expect(file.getByText('Downloaded')).toBeVisible();
  expect(await page.content()).not.toContain(hub.token);

  // Settings shows the connection, never the token; choosing Local there leaves the hub.
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText('alpha (role run)')).toBeVisible();
  await expect(page.getByText('ana (token in the keychain)')).toBeVisible();
  expect(await page.content()).not.toContain(hub.token);
  await page.getByRole('button', { name: 'Change backend…' }).click();
  await expect(page.getByRole('radio', { name: /Connect to a team hub/ })).toBeChecked();
  await page.getByRole('radio', { name: /^Local/ }).check();
  await page.getByRole('button', { name: 'Use Local' }).click();
  await expect(page.getByText('dstack will run workflows on this computer.')).toBeVisible();
  const left = await call(request, 'setup.get', undefined, server.url);
  expect(left.config).toEqual({ backend: 'local', home: server.home });
  expect(await call(request, 'projects.recent', undefined, server.url)).toEqual([]);
});

test('a read member sees the hub project\'s runs and log, with no Run, Stop or Remove', async ({ page }) => {
  const hub = await startWithHub();
  if (!server) throw new Error('no server');
  await openApp(page, server.url);
  await connectInWizard(page, hub, hub.readToken);
  const row = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Show run ${hub.runName}` }) });
  await expect(row.locator('.status')).toHaveText('done', { timeout: 60_000 });
  await row.getByRole('button', { name: `Show run ${hub.runName}` }).click();
  await expect(page.getByRole('log', { name: 'Log output' })).toContainText('Hello from dstack, line 5 of 5');
  await expect(page.getByRole('list', { name: 'Workflows' }).getByText('hello', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run hello' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
});
