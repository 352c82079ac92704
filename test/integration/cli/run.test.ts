// `dstack run` and what follows it, through the real bin: live logs, artifacts,
// deps, tags, cache, secrets and exit codes.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cli } from './cli';
import { helloProject, runNameIn } from './cli';
import { TEST_WORKFLOWS } from './workflows';

let cli: Cli;
let dir: string;
let cleanup: () => Promise<void>;
let helloRun: string;
beforeAll(async () => {
  ({ cli, dir, cleanup } = await helloProject(TEST_WORKFLOWS));
});
afterAll(() => cleanup());

describe('dstack run (CLI)', () => {
  it('streams output while the job is still running', async () => {
    const gate = join(dir, 'gate');
    const run = cli.spawn(['run', 'gate', gate]);
    await run.waitFor('waiting');
    expect(run.child.exitCode).toBeNull();
    const ps = await cli.ok(['ps']);
    expect(ps).toMatch(/gate\s+running/);
    await writeFile(gate, '');
    const end = await run.exited;
    expect(end.code).toBe(0);
    expect(end.stdout).toBe('waiting\nreleased\n');
  });

  it('runs hello, stores its artifact, lists and copies it, and hello-dep reads it', async () => {
    const r = await cli.run(['run', 'hello']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Hello from dstack, line 1 of 5\n');
    expect(r.stdout).toContain('Saved output/hello.txt\n');
    helloRun = runNameIn(r.stderr);
    expect(r.stderr).toContain(`Run ${helloRun} done.`);
    expect(await cli.ok(['ls', helloRun])).toMatch(/^output\/hello\.txt {2}\d+ B\n$/);
    await cli.ok(['cp', helloRun, 'output', join(dir, 'dl')]);
    const greeting = `Hello, world! Written by run ${helloRun}.\n`;
    expect(await readFile(join(dir, 'dl', 'hello.txt'), 'utf8')).toBe(greeting);
    await cli.ok(['cp', helloRun, 'output/hello.txt', join(dir, 'one.txt')]);
    expect(await readFile(join(dir, 'one.txt'), 'utf8')).toBe(greeting);
    const dep = await cli.run(['run', 'hello-dep']);
    expect([dep.code, dep.stdout]).toEqual([0, greeting]);
    expect(await cli.ok(['logs', helloRun])).toContain('Hello from dstack, line 5 of 5\n');
  });

  it('uses a tag as a dependency and as a source for ls', async () => {
    expect(await cli.ok(['tags', 'add', 'greeting', helloRun])).toBe(`Tagged ${helloRun} as greeting.\n`);
    expect(await cli.ok(['tags', 'list'])).toMatch(new RegExp(`greeting\\s+${helloRun}`));
    expect(await cli.ok(['ls', ':greeting'])).toContain('output/hello.txt');
    const r = await cli.run(['run', 'from-tag']);
    expect([r.code, r.stdout]).toEqual([0, `Hello, world! Written by run ${helloRun}.\n`]);
  });

  it('names the file, line and field of a dep on a tag that does not exist', async () => {
    const r = await cli.run(['run', 'from-missing-tag']);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '',
      '.dstack/workflows/cli-test.yaml:52:14: workflows[7].deps[0].tag: tag "never-made" does not exist. ' +
      'Tag a done run with `dstack tags add never-made RUN` (`dstack tags list` shows the tags), or change the dep.\n']);
  });

  it('keeps cache paths between runs', async () => {
    expect((await cli.run(['run', 'cached'])).stdout).toBe('runs=1\n');
    expect((await cli.run(['run', 'cached'])).stdout).toBe('runs=2\n');
  });

  it('passes secrets as env and masks them in the logs', async () => {
    const value = 's3cr3t-v4lue';
    expect(await cli.ok(['secrets', 'add', 'TOKEN'], { input: `${value}\n` })).toBe('Secret TOKEN saved.\n');
    expect(await cli.ok(['secrets', 'list'])).toBe('TOKEN\n');
    const r = await cli.run(['run', 'secret']);
    expect([r.code, r.stdout]).toEqual([0, 'env=***\nexpr=***\n']);
    const name = runNameIn(r.stderr);
    expect(await cli.ok(['logs', name])).not.toContain(value);
    expect(await cli.ok(['ps', '-a'])).not.toContain(value);
    expect(await cli.ok(['secrets', 'delete', 'TOKEN'])).toBe('Secret TOKEN deleted.\n');
  });

  it('exits with the job\'s exit code', async () => {
    const r = await cli.run(['run', 'exit3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/Run [a-z]+-[a-z]+-\d+ failed: Exit code 3\.\n$/);
  });
});
