// Choosing a backend with `dstack config local` must mean using it: a saved
// hub connection used to keep routing every command to the hub, so `ps`
// still failed on a hub that was gone after the user had picked local.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Cli } from '../cli/cli';
import { helloProject } from '../cli/cli';

let cli: Cli;
let home: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const made = await helloProject('workflows: []\n');
  ({ cli, cleanup } = made);
  home = join(made.dir, 'home');
});
afterAll(() => cleanup());

it('dstack config local ends a saved hub connection, says so, and ps then lists local runs', async () => {
  // A connection to a hub that is not there: while it is saved, commands go to it and fail.
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFile(join(home, 'hub-connection.json'), JSON.stringify({ url: 'http://127.0.0.1:9', project: 'team' }), { mode: 0o600 });
  const before = await cli.run(['ps']);
  expect(before.code, before.stderr).toBe(1);

  const out = await cli.ok(['config', 'local']);
  expect(out).toMatch(/^Backend set to local in .*config\.yaml\.\nNo longer going through the team hub at http:\/\/127\.0\.0\.1:9: commands use this backend\. `dstack config hub` connects again\.\n$/);
  await expect(stat(join(home, 'hub-connection.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  const after = await cli.run(['ps']);
  expect([after.code, after.stderr]).toEqual([0, '']);

  // Without a hub connection, config local says nothing about hubs.
  expect(await cli.ok(['config', 'local'])).toMatch(/^Backend set to local in .*config\.yaml\.\n$/);
});
