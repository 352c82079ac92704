// The tests' own deadline poll: a probe that never answers (a command that
// hangs) still ends the wait at its deadline, saying what it waited for.
import { expect, it } from 'vitest';
import { waitFor } from '../helpers/wait';

it('fails at its deadline, naming the wait, when a probe never settles', async () => {
  const started = Date.now();
  const err = await waitFor('the hung command to print', () => new Promise<string>(() => undefined), (s) => s === 'done', { timeoutMs: 200 }).catch((e: unknown) => e);
  expect(String(err)).toMatch(/^Error: Timed out after 0 s waiting for the hung command to print; last seen: the probe failed: it had not answered 0 s after the wait began$/);
  expect(Date.now() - started).toBeLessThan(10_000);
});
