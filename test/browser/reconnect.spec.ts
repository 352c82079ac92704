// The connection as the user sees it: when `dstack server` goes away the page
// says so at once, it recovers by itself when the server is back, and when
// the server came back with a new token it asks for the URL to sign in again.
import { createServer } from 'node:net';
import { call, expect, openApp, test } from './fixtures';
import { startServerProcess, type ServerProcess } from './server-process';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

let server: ServerProcess | undefined;
test.afterEach(async () => server?.stop());

test('a lost server shows "Reconnecting…" at once, the page recovers when it returns, and a new token asks to sign in', async ({ page }) => {
  const port = String(await freePort());
  server = await startServerProcess({ DSTACK_TEST_PORT: port, DSTACK_TEST_TOKEN: 'a'.repeat(64) });
  const home = server.home;
  await call(page.request, 'setup.useLocal', undefined, server.url);
  await openApp(page, server.url);
  const statusBar = page.getByRole('contentinfo', { name: 'Status' });
  const reconnecting = page.getByRole('alert').filter({ hasText: 'Reconnecting to dstack server' });
  await expect(statusBar).toContainText('Connected');

  await server.stop();
  await expect(reconnecting).toBeVisible();
  await expect(statusBar).toContainText('Reconnecting…');

  server = await startServerProcess({ DSTACK_TEST_PORT: port, DSTACK_TEST_TOKEN: 'a'.repeat(64) }, 'serve.ts', home);
  await expect(reconnecting).toHaveCount(0, { timeout: 30_000 });
  await expect(statusBar).toContainText('Connected');

  await server.stop();
  await expect(reconnecting).toBeVisible();
  server = await startServerProcess({ DSTACK_TEST_PORT: port, DSTACK_TEST_TOKEN: 'b'.repeat(64) }, 'serve.ts', home);
  const signIn = page.getByRole('form', { name: 'Sign in again' });
  await expect(signIn).toBeVisible({ timeout: 30_000 });
  await expect(statusBar).toContainText('Signed out');
  await signIn.getByLabel('URL from the terminal').fill('not a url');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await expect(signIn).toContainText('Paste the whole URL');
  await signIn.getByLabel('URL from the terminal').fill(server.url);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await expect(statusBar).toContainText('Connected', { timeout: 30_000 });
  await expect(signIn).toHaveCount(0);

  // A browser that never had the token gets the app's own sign-in form, not a bare 401 text.
  const fresh = await page.context().browser()!.newPage();
  await fresh.goto(`${server.origin}/`);
  await expect(fresh.getByRole('form', { name: 'Sign in again' })).toBeVisible();
  await fresh.close();
});
