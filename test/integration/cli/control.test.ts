// Stopping, aborting, removing, and failing, through the real bin.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cli } from './cli';
import { helloProject } from './cli';
import { TEST_WORKFLOWS } from './workflows';

let cli: Cli;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cli, cleanup } = await helloProject(TEST_WORKFLOWS));
});
afterAll(() => cleanup());

/** Starts `long` detached and waits until its commands run. */
async function startLong(): Promise<string> {
  const name = (await cli.ok(['run', '-d', 'long'])).trim();
  const follow = cli.spawn(['logs', '-f', name]);
  await follow.waitFor('started');
  follow.child.kill('SIGINT');
  await follow.exited;
  return name;
}

async function statusOf(name: string): Promise<string> {
  const line = (await cli.ok(['ps', '-a'])).split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
  return line.split(/\s+/)[2] ?? '';
}

describe('stopping runs (CLI)', () => {
  it('stop lets the job save its state and keeps its artifacts', async () => {
    const name = await startLong();
    expect(await cli.ok(['stop', name])).toBe(`Stop requested for ${name}.\n`);
    const rest = await cli.ok(['logs', '-f', name]);
    expect(rest).toContain('saving');
    expect(await statusOf(name)).toBe('stopped');
    expect(await cli.ok(['ls', name])).toMatch(/output\/final\.txt .*\noutput\/partial\.txt /);
  });

  it('stop -x aborts at once and keeps no artifacts', async () => {
    const name = await startLong();
    await cli.ok(['stop', '-x', name]);
    await cli.ok(['logs', '-f', name]);
    expect(await statusOf(name)).toBe('aborted');
    expect(await cli.ok(['ls', name])).toBe('');
  });

  it('Ctrl+C stops the run it follows; a second Ctrl+C aborts', async () => {
    const once = cli.spawn(['run', 'long']);
    await once.waitFor('started');
    once.child.kill('SIGINT');
    const r1 = await once.exited;
    expect(r1.stderr).toContain('press Ctrl+C again to abort');
    expect(r1.stderr).toMatch(/Run \S+ stopped: Stopped by request\.\n$/);
    expect(r1.code).not.toBe(0);

    const twice = cli.spawn(['run', 'stubborn'], { env: { DSTACK_STOP_GRACE_MS: '60000' } });
    await twice.waitFor('started');
    twice.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    twice.child.kill('SIGINT');
    const r2 = await twice.exited;
    expect(r2.stderr).toMatch(/Run \S+ aborted: Aborted by request\.\n$/);
  });

  it('rm removes a finished run and refuses a running one', async () => {
    const name = await startLong();
    const refused = await cli.run(['rm', name]);
    expect([refused.code, refused.stderr]).toEqual([1, `Run ${name} is running; only a finished run can be removed. Stop it first: dstack stop ${name}\n`]);
    await cli.ok(['stop', '-x', name]);
    await cli.ok(['logs', '-f', name]);
    const logFiles = async (): Promise<string[]> =>
      (await readdir(join(cli.env.DSTACK_HOME!, 'local', 'logs'), { recursive: true })).filter((f) => f.includes(name));
    expect(await logFiles()).toHaveLength(1);
    expect(await cli.ok(['rm', name])).toBe(`Removed ${name}.\n`);
    expect(await cli.ok(['ps', '-a'])).not.toContain(name);
    expect(await logFiles()).toEqual([]);
  });
});

describe('init and config (CLI)', () => {
  it('init makes a folder a project; config local writes the backend', async () => {
    const fresh = join(cli.cwd, '..', 'fresh');
    await mkdir(fresh);
    const out = await new (cli.constructor as typeof Cli)(fresh, cli.env).ok(['init']);
    expect(out).toMatch(/^Project .*fresh \(repo fresh-[0-9a-f]{8}\); workflows go in \.dstack\/workflows\/\*\.yaml\.\n$/);
    expect(existsSync(join(fresh, '.dstack', 'workflows'))).toBe(true);
    expect(await cli.ok(['config', 'local'])).toMatch(/^Backend set to local in .*config\.yaml\.\n$/);
    expect(await readFile(join(cli.env.DSTACK_HOME ?? '', 'config.yaml'), 'utf8')).toBe('backend: local\n');
  });
});

describe('errors and help (CLI)', () => {
  it('prints one line for an unknown run, never a stack trace', async () => {
    const r = await cli.run(['logs', 'no-such-run-1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Run no-such-run-1 does not exist. See `dstack ps -a`.\n');
  });

  it('prints one line for an unknown workflow, with a suggestion', async () => {
    const r = await cli.run(['run', 'helo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('No workflow is named "helo". Did you mean "hello"?\n');
  });

  it('lists the issues of an invalid workflow file, naming file, line and field', async () => {
    const bad = join(cli.cwd, '..', 'bad');
    await mkdir(join(bad, '.dstack'), { recursive: true });
    await writeFile(join(bad, '.dstack', 'workflows.yaml'), 'workflows:\n  - name: x\n    provider: bash\n    comands: [echo]\n');
    const r = await new (cli.constructor as typeof Cli)(bad, cli.env).run(['run', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\.dstack\/workflows\.yaml:4:5: workflows\[0\]/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses bad resource overrides in one line each, before submitting', async () => {
    const cpu = await cli.run(['run', '--cpu', 'two', 'hello']);
    expect([cpu.code, cpu.stderr.trim().split('\n')]).toEqual([1, [expect.stringMatching(/--cpu.*'two' is invalid.*whole number/)]]);
    const memory = await cli.run(['run', '--memory', '16', 'hello']);
    expect([memory.code, memory.stderr]).toEqual([1, 'Invalid memory "16". Write a size with its unit, such as 16GB.\n']);
    const both = await cli.run(['run', '--spot', '--on-demand', 'hello']);
    expect([both.code, both.stderr.trim().split('\n')]).toEqual([1, [expect.stringMatching(/--on-demand.*cannot be used with.*--spot/)]]);
    expect(await cli.ok(['ps', '-a'])).not.toMatch(/hello\s+(submitted|failed)/);
  });

  it('prints one line for an unknown command', async () => {
    const r = await cli.run(['lauch']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('has --help on every command', async () => {
    for (const cmd of [[], ['init'], ['config'], ['run'], ['ps'], ['logs'], ['stop'], ['rm'], ['ls'], ['cp'], ['tags'], ['tags', 'add'], ['secrets'], ['secrets', 'add']]) {
      const r = await cli.run([...cmd, '--help']);
      expect([cmd, r.code]).toEqual([cmd, 0]);
      expect(r.stdout).toMatch(/^Usage: dstack/);
    }
  }, 120_000);
});
