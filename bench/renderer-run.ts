/**
 * From the app's Run button to the run's first line in the log pane, on the
 * local backend, for bench/renderer.ts: the built UI in Chromium against the
 * compiled `dstack server` (the same process tree a user's click starts:
 * server, detached runner, job), not the tsx-run test server. Timed from
 * just before the click on the dialog's Run button until the pane shows a
 * new run whose log holds the job's first line (Playwright checks on every
 * frame). Each repetition is paired with `node -e` spawned to its first
 * line, as bench/run-latency.ts does for `dstack run`.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const BIN = join(ROOT, 'main', 'cli', 'dstack.js');
const FIRST = 'first line from the job';

export interface RunButtonFigures {
  /** Click on Run → the first line shown, per repetition (ms). */
  uiMs: number[];
  /** `node -e` spawned → its first line, paired per repetition (ms). */
  nodeMs: number[];
}

/** Starts the compiled `dstack server` and resolves with its signed-in URL. */
function startCompiledServer(home: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', '--no-open'], { env: { ...process.env, DSTACK_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`dstack server printed no URL in 60 s; it printed: ${out}`)), 60_000);
    child.once('exit', (code) => fail(new Error(`dstack server exited ${code}: ${out}`)));
    const take = (d: Buffer) => {
      out += d.toString();
      const url = /http:\/\/\S+token=\w+/.exec(out)?.[0];
      if (!url) return;
      clearTimeout(timer);
      done({ url, stop: () => new Promise((ok) => (child.exitCode !== null ? ok() : (child.once('exit', () => ok()), child.kill('SIGTERM')))) });
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
  });
}

function nodeToFirstLine(): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', 'console.log("first")'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => done(performance.now() - t0));
    child.on('error', fail);
  });
}

export async function measureRunButton(browser: Browser, reps: number): Promise<RunButtonFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-ui-run-'));
  const project = join(dir, 'quick');
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'quick.yaml'), `workflows:\n  - name: quick\n    provider: bash\n    commands:\n      - echo "${FIRST}"\n`);
  const server = await startCompiledServer(join(dir, 'home'));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const uiMs: number[] = [];
  const nodeMs: number[] = [];
  try {
    const page = await context.newPage();
    const origin = new URL(server.url).origin;
    const token = new URL(server.url).searchParams.get('token');
    const api = (op: string, input: unknown) =>
      page.request.post(`${origin}/api/${op}`, { headers: { authorization: `Bearer ${token}` }, data: input ?? {} });
    await api('setup.useLocal', {});
    await page.goto(server.url);
    const folder = page.getByRole('textbox', { name: 'Project folder' });
    await folder.waitFor();
    await folder.fill(project);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('heading', { name: 'Workflows' }).waitFor();
    for (let i = 0; i < reps; i++) {
      const before = (await page.locator('section.run-detail #run-title').allTextContents())[0] ?? '';
      await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'Run quick', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Run quick' });
      await dialog.waitFor();
      const run = dialog.getByRole('button', { name: 'Run', exact: true });
      await run.waitFor();
      const t0 = performance.now();
      await run.click();
      // The pane's log shows the job's first line under a run title other than the last one.
      const shown = page.locator('section.run-detail').filter({ has: page.locator('#run-title').filter({ hasNotText: before || '\u0000' }) }).getByRole('log').filter({ hasText: FIRST });
      await shown.waitFor({ timeout: 60_000 }).catch(async () => {
        throw new Error(`the first line never showed in the log pane; the pane showed: ${await page.getByRole('log').allTextContents()}; title ${await page.locator('#run-title').allTextContents()}`);
      });
      uiMs.push(performance.now() - t0);
      nodeMs.push(await nodeToFirstLine());
      // The next repetition starts once this run is over, so runs never overlap.
      const name = (await page.locator('section.run-detail #run-title').textContent()) ?? '';
      await page.getByRole('row').filter({ hasText: name }).filter({ hasText: 'done' }).waitFor({ timeout: 60_000 });
    }
  } finally {
    await context.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { uiMs, nodeMs };
}
