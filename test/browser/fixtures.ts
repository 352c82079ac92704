/**
 * What the specs share: the server's URL, a page signed in with its token,
 * direct API calls for setting the stage (the same `POST /api/{op}` the UI
 * uses), and screenshots saved under test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type APIRequestContext, type Page } from '@playwright/test';
import type { OperationName, OpInput, OpOutput } from '../../main/common/api/operations';
import { ROOT } from './build-renderer';

export const SHOTS = join(ROOT, 'test-results', 'screenshots');

export function serverUrl(): string {
  const url = process.env.DSTACK_URL;
  if (!url) throw new Error('DSTACK_URL is not set: run through test/playwright.config.ts');
  return url;
}

/** Saves the page as the README shows it, in the light and the dark theme (`{name}.png`, `{name}-dark.png`). */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(SHOTS, `${name}-dark.png`) });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Calls an operation as the page would, with the token as a bearer header. */
export async function call<K extends OperationName>(request: APIRequestContext, op: K, input: OpInput<K>, server = serverUrl()): Promise<OpOutput<K>> {
  const url = new URL(server);
  const res = await request.post(`${url.origin}/api/${op}`, {
    headers: { authorization: `Bearer ${url.searchParams.get('token')}`, 'content-type': 'application/json' },
    data: input ?? {},
  });
  const body = (await res.json()) as { result?: OpOutput<K>; error?: { message: string } };
  if (body.error) throw new Error(`${op}: ${body.error.message}`);
  return body.result as OpOutput<K>;
}

/** Opens the app signed in (the token in the URL sets the cookie, then the server redirects it away). */
export async function openApp(page: Page, server = serverUrl()): Promise<void> {
  await page.goto(server);
  await expect(page.getByText('Loading…')).toHaveCount(0);
}

/** Every axe violation on the page, as "rule: target (help)" lines, so a failure names what to fix. */
export async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${v.help})`));
}

export const test = base;
export { expect };
