// dstack 0.7 command lines, typed as its users type them, through the real bin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cli } from './cli';
import { helloProject } from './cli';
import { TEST_WORKFLOWS } from './workflows';
import { argvValueWarning } from '../../../main/cli/commands/secrets';
import { BACKEND_NAMES } from '../../../main/common/backends';

let cli: Cli;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cli, cleanup } = await helloProject(TEST_WORKFLOWS));
});
afterAll(() => cleanup());

const RUN_NAME = /^[a-z]+-[a-z]+-\d+\n$/;

describe('dstack run: options after the workflow name are dstack\'s', () => {
  it('`dstack run hello -d && dstack stop <run>` (the README\'s line) detaches, then stops', async () => {
    const r = await cli.run(['run', 'hello', '-d']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(RUN_NAME);
    const name = r.stdout.trim();
    // On a loaded machine the short job may have ended before the stop: then stop says so, and must not hang either.
    expect([`Stop requested for ${name}.\n`, `Run ${name} is done.\n`]).toContain(await cli.ok(['stop', name]));
    await cli.ok(['logs', '-f', name]);
    const line = (await cli.ok(['ps', '-a'])).split('\n').find((l) => l.startsWith(`${name} `));
    expect(line?.split(/\s+/)[2]).toMatch(/^(stopped|done)$/);
  });

  it('--backend after the name is an option; other words and options, and all after --, are the workflow\'s args', async () => {
    const r = await cli.run(['run', 'echo-args', '--backend', 'local', 'a', '--lr', '0.1', '-x', '--', '-d', '--tag', 'b c']);
    expect([r.code, r.stdout]).toEqual([0, 'args: a --lr 0.1 -x -d --tag b c\n']);
  });

  it('a bad value of a dstack option after the name is refused, not passed on', async () => {
    const r = await cli.run(['run', 'echo-args', 'a', '--backend', 'azure']);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe(`error: option '--backend <backend>' argument 'azure' is invalid. Allowed choices are ${BACKEND_NAMES.join(', ')}.\n`);
  });
});

describe('dstack secrets add|update NAME VALUE', () => {
  it('takes the value as an argument with a warning, and from stdin without one; update changes it', async () => {
    const add = await cli.run(['secrets', 'add', 'TOKEN2', 'abc123']);
    expect([add.code, add.stdout, add.stderr]).toEqual([0, 'Secret TOKEN2 saved.\n', `${argvValueWarning('add', 'TOKEN2')}\n`]);
    expect(add.stderr).toBe('Warning: a value given on the command line stays in your shell history and shows in `ps` while the command runs. ' +
      'Next time leave it out and type it at the prompt, or pipe it: printf %s "$VALUE" | dstack secrets add TOKEN2\n');
    expect((await cli.run(['run', 'secret-rev'])).stdout).toBe('rev=321cba\n');

    const piped = await cli.run(['secrets', 'update', 'TOKEN2'], { input: 'xyz789\n' });
    expect([piped.code, piped.stdout, piped.stderr]).toEqual([0, 'Secret TOKEN2 updated.\n', '']);
    expect((await cli.run(['run', 'secret-rev'])).stdout).toBe('rev=987zyx\n');

    const argv = await cli.run(['secrets', 'update', 'TOKEN2', 'q1']);
    expect([argv.code, argv.stdout, argv.stderr]).toEqual([0, 'Secret TOKEN2 updated.\n', `${argvValueWarning('update', 'TOKEN2')}\n`]);
    expect((await cli.run(['run', 'secret-rev'])).stdout).toBe('rev=1q\n');
  });

  it('update of a secret that does not exist says so and how to add it', async () => {
    const r = await cli.run(['secrets', 'update', 'NOPE', 'x']);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', 'Secret NOPE does not exist, so there is nothing to update. Add it with: dstack secrets add NOPE\n']);
  });
});
