// An error inside a handler, after the request passed every check, ends
// that response and nothing else: the server keeps answering.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Harness } from './harness';
import { startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it.runIf(process.platform === 'linux')('survives a static file that fails while it is read', async () => {
  // /proc/self/mem stats as a regular file, and reading it from offset 0 fails with EIO.
  await symlink('/proc/self/mem', join(h.home, 'renderer', 'assets', 'broken.js'));
  const outcome = await fetch(`${h.base}/assets/broken.js`, { headers: { authorization: `Bearer ${h.server.token}` }, signal: AbortSignal.timeout(30_000) }).then(
    async (res) => `${res.status} with ${(await res.arrayBuffer()).byteLength} bytes`,
    (err: Error) => `failed: ${err.message}`,
  );
  // The broken response ends at once (cut off, not left hanging), and the server still serves.
  expect(outcome).toMatch(/^(200 with 0 bytes|failed: fetch failed)$/);
  expect((await h.call('app.info')).status).toBe(200);
});
