/**
 * `dstack config` with no subcommand: on a terminal it asks which backend
 * (the registry's rows, then hub) and sets it up; without a terminal it
 * prints config.yaml as before. The terminal is a real pseudo-terminal from
 * util-linux `script`, and the CLI runs from source under tsx.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from '../../../main/common/backends';
import { ROOT } from './cli';

const CLI = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(join(ROOT, 'main', 'cli', 'main.ts'))}`;
let home: string;

/** Runs `dstack config` on a pseudo-terminal (tty = true) or on pipes, typing `input`; fails after 60 s saying what it printed. */
function config(input: string, tty: boolean): Promise<{ code: number | null; out: string }> {
  const cmd = `${CLI} config`;
  const child = tty
    ? spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, DSTACK_HOME: home } })
    : spawn('sh', ['-c', cmd], { cwd: ROOT, env: { ...process.env, DSTACK_HOME: home } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`dstack config did not end in 60 s; it printed: ${out}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replace(/\r/g, '') });
    });
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-config-choice-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('dstack config (no subcommand)', () => {
  it('on a terminal, offers every registered backend and hub, and sets the one chosen', async () => {
    const r = await config('9\nlocal\n', true);
    expect(r.code, r.out).toBe(0);
    const offered = [...r.out.matchAll(/^ {2}\d\) (\w+):/gm)].map((m) => m[1]);
    expect(offered).toEqual([...BACKEND_NAMES, 'hub']);
    expect(r.out).toContain(`"9" is not one of the choices; type a number from 1 to ${BACKEND_NAMES.length + 1}`);
    expect(r.out).toMatch(/Backend set to local in .*config\.yaml\./);
    expect(await readFile(join(home, 'config.yaml'), 'utf8')).toBe('backend: local\n');
  }, 90_000);

  it('choosing hub says the command that connects to one', async () => {
    const r = await config(`${BACKEND_NAMES.length + 1}\n`, true);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('dstack config hub --url URL --project NAME');
  }, 90_000);

  it('without a terminal, prints the configuration and asks nothing', async () => {
    const r = await config('', false);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toBe(`${join(home, 'config.yaml')}:\n  backend: local\n`);
  }, 90_000);
});
