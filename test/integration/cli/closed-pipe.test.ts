// `dstack run hello | head -1`: the reader closes the pipe after one line.
// The CLI stops quietly with status 0, as git and ls do; never a stack trace.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Cli } from './cli';
import { helloProject } from './cli';
import { TEST_WORKFLOWS } from './workflows';

let cli: Cli;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cli, cleanup } = await helloProject(TEST_WORKFLOWS));
});
afterAll(() => cleanup());

it('stops quietly when its output pipe is closed early', async () => {
  const live = cli.spawn(['run', 'hello']);
  await live.waitFor('Hello from dstack, line 1 of 5');
  live.child.stdout!.destroy();
  const r = await live.exited;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
});
