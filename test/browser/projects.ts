/**
 * Projects for the browser specs: the repo's examples/hello as users get it,
 * and throwaway ones written to a temp folder for the cases examples must not
 * carry (a long job, a broken file, a flood of log lines).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import { ROOT } from './build-renderer';
import { call, expect, openApp } from './fixtures';

export const HELLO = join(ROOT, 'examples', 'hello');

export function tempProject(name: string, workflowsYaml: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'dstack-proj-')), name);
  mkdirSync(join(dir, '.dstack', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.dstack', 'workflows', `${name}.yaml`), workflowsYaml);
  return dir;
}

/** Makes sure a backend is configured (Local), so the app opens on the main screen. */
export async function ensureLocal(request: APIRequestContext): Promise<void> {
  const s = await call(request, 'setup.get', undefined);
  if (s.config.backend === null) await call(request, 'setup.useLocal', undefined);
}

/** Opens the app and a project by typing its path, as a browser user does. */
export async function openProject(page: Page, path: string): Promise<void> {
  await openApp(page);
  const folder = page.getByRole('textbox', { name: 'Project folder' });
  const runs = page.getByRole('heading', { name: 'Runs', exact: true });
  // The app reopens the last project; the sidebar's "Open a project…" goes back to the picker.
  await expect(folder.or(runs).first()).toBeVisible();
  if (!(await folder.isVisible())) await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'Open a project…' }).click();
  await folder.fill(path);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
}

/** Runs a workflow from the sidebar's Run dialog and returns the new run's name (the run the UI selects). */
export async function runWorkflow(page: Page, workflow: string): Promise<string> {
  const title = page.locator('section.run-detail #run-title');
  const before = (await title.count()) ? await title.textContent() : null;
  await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: `Run ${workflow}`, exact: true }).click();
  await page.getByRole('dialog', { name: `Run ${workflow}` }).getByRole('button', { name: 'Run', exact: true }).click();
  await expect(title).toBeVisible();
  if (before) await expect(title).not.toHaveText(before);
  return (await title.textContent()) ?? '';
}
