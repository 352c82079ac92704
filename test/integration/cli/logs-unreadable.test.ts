// `dstack logs -f` on a run whose log file cannot be read ends with one line
// naming the file and the fix, and status 1, instead of a raw errno (or,
// in the app, an empty log that looks finished). The file is replaced by a
// folder: the tests run as root, for whom chmod 000 stops no read.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalBackend } from '../../../main/backends/local/index';
import { openProject } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { Cli } from './cli';
import { helloProject, runNameIn } from './cli';

const WORKFLOWS = `
workflows:
  - name: say
    provider: bash
    commands:
      - echo said
`;

let cli: Cli;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cli, cleanup } = await helloProject(WORKFLOWS));
}, 120_000);
afterAll(() => cleanup());

it('exits 1 with one line naming the unreadable log file and the fix', async () => {
  const ran = await cli.run(['run', 'say']);
  expect(ran.code, ran.stderr).toBe(0);
  const name = runNameIn(ran.stderr);
  const backend = createLocalBackend({ type: 'local', home: cli.env.DSTACK_HOME! }, { runner: () => ({ command: process.execPath, args: ['-e', ''], env: {} }) });
  const job = await new RunService(backend).get((await openProject(cli.cwd)).repo, name);
  const path = backend.logs.pathOf(job);
  expect(path.startsWith(join(cli.env.DSTACK_HOME!, 'local', 'logs'))).toBe(true);
  await rm(path);
  await mkdir(path);

  const r = await cli.run(['logs', name, '-f']);
  expect([r.code, r.stdout, r.stderr]).toEqual([
    1,
    '',
    `Cannot read the log of run ${name}: The log file ${path} cannot be read: it is a folder, not a file. ` +
      `Make ${path} a readable file again (move what is there away, or fix its permissions), then follow the log again.\n`,
  ]);
}, 120_000);
