// The team hub's page in Chromium, against `dstack hub` as an admin starts it
// (the built CLI, a temp DSTACK_HOME, the admin token it prints once):
//   (a) the admin signs in, creates two users and a local-backend project,
//       with one user as `run` and the other as `read`;
//   (b) the `run` member signs in with their token, runs examples/hello,
//       watches its log and downloads its artifact;
//   (c) the `read` member sees that run, and no Run, Stop, Remove or Secrets;
//   (d) a rotated or revoked member's open page returns to sign-in at once,
//       with the hub's reason, and the old token is refused;
//   (e) a hub that is down is named on sign-in, and in an open project.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT } from './build-renderer';
import { expect, shot, test, violations } from './fixtures';
import { HELLO, runWorkflow } from './projects';

test.describe.configure({ mode: 'serial' });

interface Hub {
  url: string;
  adminToken: string;
  home: string;
  child: ChildProcess;
}

let hub: Hub;
const tokens: Record<string, string> = {};
let runName = '';

/** Starts `dstack hub --port 0` and reads the URL and the admin token from what it prints; fails with the output on a deadline. */
function startHub(): Promise<Hub> {
  const home = mkdtempSync(join(tmpdir(), 'dstack-hub-ui-'));
  const child = spawn(process.execPath, [join(ROOT, 'main', 'cli', 'dstack.js'), 'hub', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, DSTACK_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dstack hub printed no URL and token within 60 s; it printed: ${out}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`dstack hub exited (${code}): ${out}`)));
    const read = (d: Buffer) => {
      out += d.toString();
      const url = /dstack hub is running at (\S+)/.exec(out)?.[1];
      const adminToken = /^\s+(dsh_\S+)$/m.exec(out)?.[1];
      if (!url || !adminToken) return;
      clearTimeout(timer);
      resolve({ url, adminToken, home, child });
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
  });
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(hub.url);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Sidebar' });

test.beforeAll(async () => {
  hub = await startHub();
});

test.afterAll(async () => {
  if (hub?.child.exitCode === null) {
    const exited = new Promise((done) => hub.child.once('exit', done));
    hub.child.kill('SIGTERM');
    await exited;
  }
  if (hub) rmSync(hub.home, { recursive: true, force: true });
});

test('a wrong token gets a sentence that says what to do, and no way in', async ({ page }) => {
  await signIn(page, 'dsh_not-a-real-token');
  await expect(page.getByText('The hub did not accept this token')).toBeVisible();
  await expect(page.getByText('ask them for a new one')).toBeVisible();
  await expect(sidebar(page)).toHaveCount(0);
});

test('(a) the admin signs in, creates users and a local project with a run and a read member', async ({ page }) => {
  await signIn(page, hub.adminToken);
  await sidebar(page).getByRole('button', { name: 'Users' }).click();
  for (const name of ['ana', 'rita']) {
    await page.getByLabel('User name').fill(name);
    await page.getByRole('button', { name: 'Create user' }).click();
    const once = page.getByRole('status', { name: `Token for ${name}` });
    await expect(once.getByRole('button', { name: `Copy the token for ${name}` })).toBeVisible();
    tokens[name] = (await once.locator('code').textContent()) ?? '';
    expect(tokens[name]).toMatch(/^dsh_/);
    await once.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('table', { name: 'Users' }).getByRole('rowheader', { name })).toBeVisible();
  }
  // Shown once: the page keeps no token after Done.
  await expect(page.getByText(tokens.rita!)).toHaveCount(0);

  await sidebar(page).getByRole('button', { name: 'Projects and members' }).click();
  await page.getByLabel('Project name').fill('team');
  await page.getByLabel('Backend').selectOption('local');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { name: 'team', level: 2 })).toBeVisible();
  for (const [user, role] of [['ana', 'run'], ['rita', 'read']] as const) {
    await page.getByLabel('User', { exact: true }).selectOption(user);
    await page.getByLabel('Role').selectOption(role);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect(page.getByRole('table', { name: 'Members' }).getByRole('row', { name: new RegExp(`^${user} ${role}`) })).toBeVisible();
  }
  expect(await violations(page)).toEqual([]);
  await shot(page, 'hub-admin');

  await sidebar(page).getByRole('button', { name: 'Audit log' }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('members.set');
});

test('(b) the run member signs in, runs examples/hello, watches its log and downloads its artifact', async ({ page }) => {
  // The project's workflows are its workspace's, under the hub's folder (project-services.ts).
  const workflows = join(hub.home, 'hub', 'projects', 'team', 'workspace', '.dstack', 'workflows');
  mkdirSync(workflows, { recursive: true });
  copyFileSync(join(HELLO, '.dstack', 'workflows', 'hello.yaml'), join(workflows, 'hello.yaml'));

  await signIn(page, tokens.ana!);
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await expect(sidebar(page).getByRole('button', { name: 'Secrets' })).toBeVisible();
  runName = await runWorkflow(page, 'hello');
  const log = page.getByRole('log');
  await expect(log).toContainText('Hello from dstack, line 5 of 5', { timeout: 60_000 });
  await expect(log).toContainText('Saved output/hello.txt');
  await expect(page.locator('section.run-detail .detail-head')).toContainText('done', { timeout: 60_000 });
  // A run member may remove a finished run: the button is there (the read member's test checks it is not).
  await expect(page.getByRole('button', { name: 'Remove' })).toBeVisible();

  await page.getByRole('tab', { name: 'Artifacts' }).click();
  const tree = page.getByRole('tree', { name: 'Artifacts' });
  await tree.getByRole('button', { name: 'Expand output' }).click();
  const downloading = page.waitForEvent('download');
  await tree.getByRole('treeitem', { name: 'hello.txt' }).getByRole('button', { name: 'Download hello.txt' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('hello.txt');
  expect(readFileSync(await download.path()).toString('utf8')).toBe(`Hello, world! Written by run ${runName}.\n`);
});

test('(c) the read member sees the run and its log, but no Run, Stop, Remove or Secrets', async ({ page }) => {
  await signIn(page, tokens.rita!);
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await expect(page.getByRole('listbox').or(page.getByRole('table')).first()).toContainText(runName);
  await page.getByText(runName, { exact: true }).first().click();
  await expect(page.getByRole('log')).toContainText('Hello from dstack, line 5 of 5');
  await expect(page.getByRole('navigation', { name: 'Sidebar' }).getByText('hello', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run hello' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^(Stop|Abort|Remove)\b/ })).toHaveCount(0);
  await expect(sidebar(page).getByRole('button', { name: 'Secrets' })).toHaveCount(0);
  expect(await violations(page)).toEqual([]);
});

test('(d) a rotated or revoked member\'s open page goes back to sign-in at once, told why, and the old token is refused', async ({ page, browser }) => {
  const rita = await browser.newPage();
  await signIn(rita, tokens.rita!);
  await expect(rita.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  const ritaSidebar = rita.getByRole('navigation', { name: 'Sidebar' });

  await signIn(page, hub.adminToken);
  await sidebar(page).getByRole('button', { name: 'Users' }).click();
  const row = page.getByRole('table', { name: 'Users' }).getByRole('row', { name: /^rita\b/ });
  await row.getByRole('button', { name: 'Rotate token' }).click();
  await page.getByRole('button', { name: "Rotate rita's token" }).click();
  const once = page.getByRole('status', { name: 'Token for rita' });
  await expect(once.locator('code')).toHaveText(/^dsh_/);
  const fresh = (await once.locator('code').textContent()) ?? '';
  expect(fresh).not.toBe(tokens.rita);
  await once.getByRole('button', { name: 'Done' }).click();

  // Her open page, without a reload: the sign-in form, with the hub's reason in one sentence, not "reconnecting".
  await expect(rita.getByRole('alert')).toContainText('A hub admin replaced your token: sign in with the new one they give you.');
  await expect(rita.getByLabel('Token')).toHaveValue('');
  await expect(ritaSidebar).toHaveCount(0);
  // The page forgot the old token (a reload asks again), and the hub refuses it.
  await rita.reload();
  await expect(rita.getByLabel('Token')).toBeVisible();
  await expect(ritaSidebar).toHaveCount(0);
  await rita.getByLabel('Token').fill(tokens.rita!);
  await rita.getByRole('button', { name: 'Sign in' }).click();
  await expect(rita.getByText('The hub did not accept this token')).toBeVisible();
  await signIn(rita, fresh);
  await expect(rita.getByRole('heading', { name: 'Workflows' })).toBeVisible();

  // Her page does nothing but hold its socket open: any socket it opens after the revoke is a reconnect.
  const reconnects: string[] = [];
  let revoking = false;
  rita.on('websocket', (ws) => revoking && reconnects.push(ws.url()));
  await row.getByRole('button', { name: 'Revoke' }).click();
  revoking = true;
  await page.getByRole('button', { name: 'Revoke rita' }).click();
  await expect(row).toContainText('revoked');
  await expect(rita.getByRole('alert')).toContainText('A hub admin revoked your access to this hub.');
  await expect(rita.getByLabel('Token')).toBeVisible();
  await expect(ritaSidebar).toHaveCount(0);
  // No reconnect loop: a dropped socket is retried after 250 ms, so 3 s without a new one means none is coming.
  await rita.waitForEvent('websocket', { timeout: 3_000 }).catch(() => undefined);
  expect(reconnects).toEqual([]);
  await rita.close();
});

test('(e) a hub that went away is named: on sign-in with what to check, and in a project as reconnecting', async ({ page, browser }) => {
  const member = await browser.newPage();
  await signIn(member, tokens.ana!);
  await expect(member.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await page.goto(hub.url);
  await expect(page.getByLabel('Token')).toBeVisible();
  const exited = new Promise((done) => hub.child.once('exit', done));
  hub.child.kill('SIGTERM');
  await exited;

  await expect(member.getByRole('alert')).toContainText('Reconnecting to the team hub… Your runs go on');
  await page.getByLabel('Token').fill(tokens.ana!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText(`Cannot reach the hub at ${new URL(hub.url).origin}.`)).toBeVisible();
  await expect(page.getByText(/Check that .dstack hub. is still running/)).toBeVisible();
  await member.close();
});
