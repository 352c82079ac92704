// `dstack ps` and `dstack run` reconcile once per command, through the real
// bin: a run whose runner was killed is shown failed by the next `ps`, and
// that check costs `ps` no noticeable time.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendantGroups, killGroups } from '../../helpers/process-tree';
import type { Cli } from './cli';
import { helloProject } from './cli';
import { TEST_WORKFLOWS } from './workflows';

let cli: Cli;
let cleanup: () => Promise<void>;
/** The job a killed runner leaves spinning (`long` loops forever) is ended after the test. */
let leftovers: number[] = [];
beforeAll(async () => {
  ({ cli, cleanup } = await helloProject(TEST_WORKFLOWS));
});
afterAll(async () => {
  killGroups(leftovers);
  await cleanup();
});

function lineOf(ps: string, name: string): string {
  return ps.split('\n').find((l) => l.startsWith(`${name} `)) ?? `(no line for ${name} in:\n${ps})`;
}

describe('reconcile from the CLI', () => {
  it('ps shows failed, with the reason, a run whose runner was killed', async () => {
    const name = (await cli.ok(['run', '-d', 'long'])).trim();
    const follow = cli.spawn(['logs', '-f', name]);
    await follow.waitFor('started');
    follow.child.kill('SIGINT');
    await follow.exited;
    const pidFile = join(cli.env.DSTACK_HOME!, 'local', 'runners', `${name},long,0.pid`);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(lineOf(await cli.ok(['ps']), name)).toMatch(/\brunning\b/);
    leftovers = await descendantGroups(pid);
    process.kill(pid, 'SIGKILL');

    const ps = await cli.run(['ps', '-a']);

    expect(ps.code).toBe(0);
    expect(ps.stderr).toBe('');
    expect(lineOf(ps.stdout, name)).toMatch(/\bfailed\b.*The runner exited without finishing the job\./);
  });
});
