// `dstack server` as the CLI runs it: prints a tokened URL, serves the API
// there, opens the browser without the token in anyone's argv, and stops
// cleanly on Ctrl+C.
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { registerServerCommand } from '../../../main/server/cli-command';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-cli-server-'));
  vi.stubEnv('DSTACK_HOME', home);
});
/** Servers a test started and has not stopped (it failed half way): stopped here so none outlives its test. */
const live = new Set<() => Promise<void>>();
afterEach(async () => {
  for (const stop of live) await stop();
  vi.restoreAllMocks();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

/** Polls `check` until it returns a value, or fails after `ms` saying what it was waiting for and what it last saw. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, seen: () => string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms; saw: ${seen()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `dstack server …` in-process as the CLI does and waits for the URL it prints. */
async function startCli(args: string[]) {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const program = new Command('dstack').exitOverride();
  registerServerCommand(program);
  const running = program.parseAsync(['server', '--port', '0', ...args], { from: 'user' });
  const url = await waitFor('dstack server printed no URL', () => /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(printed.join('\n'))?.[0], () => printed.join('\n'));
  const { origin, port, searchParams } = new URL(url);
  const stop = async () => {
    if (!live.delete(stop)) return;
    process.emit('SIGINT');
    await running;
  };
  live.add(stop);
  return { url, origin, port, token: searchParams.get('token')!, stop };
}

function appInfo(origin: string, headers: Record<string, string>) {
  return fetch(`${origin}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
}

it('prints the URL with its token, serves it, and stops on SIGINT', async () => {
  const cli = await startCli(['--no-open']);
  const res = await appInfo(cli.origin, { authorization: `Bearer ${cli.token}` });
  expect(((await res.json()) as { result: { transport: string } }).result.transport).toBe('http');
  await cli.stop();
  await expect(fetch(`${cli.origin}/api/app.info`, { method: 'POST' })).rejects.toThrow();
});

/** A stand-in xdg-open, first on PATH, that records the argv it was given; `argv()` waits for it. */
async function fakeOpener() {
  const bin = await mkdtemp(join(tmpdir(), 'dstack-fake-opener-'));
  const argvLog = join(bin, 'argv.txt');
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$0" "$@" > "${argvLog}.tmp" && mv "${argvLog}.tmp" "${argvLog}"\n`);
  await chmod(join(bin, 'xdg-open'), 0o755);
  const path = process.env.PATH!;
  vi.stubEnv('PATH', `${bin}:${path}`);
  return {
    /** The opener's argv, one per line ($0 first). */
    argv: () => waitFor('the opener was never started', () => readFile(argvLog, 'utf8').catch(() => undefined), () => 'no argv file'),
    started: () => stat(argvLog).then(() => true, () => false),
    async remove() {
      vi.stubEnv('PATH', path);
      await rm(bin, { recursive: true, force: true });
    },
  };
}

it.runIf(process.platform === 'linux')('opens the browser on a private page that logs in, with no token in the opener argv', async () => {
  const opener = await fakeOpener();
  try {
    const cli = await startCli([]);
    const argv = await opener.argv();
    expect(argv).not.toContain(cli.token);
    expect(argv).not.toContain('token');
    const page = argv.trim().split('\n')[1]!;
    expect(page).toBe(join(home, 'server', `open-${cli.port}.html`));
    expect((await stat(page)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'server'))).mode & 0o777).toBe(0o700);

    // The page redirects to the tokened URL, and following it logs in: the server sets the cookie the app then uses.
    const target = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(await readFile(page, 'utf8'))?.[1];
    expect(target).toBe(cli.url);
    const login = await fetch(target!, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toBe(`dstack_token_${cli.port}=${cli.token}`);
    expect((await appInfo(cli.origin, { cookie: cookie! })).status).toBe(200);

    await cli.stop();
    await expect(stat(page), 'the page with the token is removed when the server stops').rejects.toThrow(/ENOENT/);
  } finally {
    await opener.remove();
  }
});

it.runIf(process.platform === 'linux')('opens nothing when the server folder is a symlink, and says why', async () => {
  const elsewhere = await mkdtemp(join(tmpdir(), 'dstack-planted-'));
  await rm(join(home, 'server'), { recursive: true, force: true });
  await symlink(elsewhere, join(home, 'server'));
  const opener = await fakeOpener();
  try {
    const cli = await startCli([]);
    const errors = () => vi.mocked(console.error).mock.calls.map((c) => c.join(' ')).join('\n');
    const said = await waitFor('no "Not opening a browser" on stderr', () => (errors().includes('Not opening a browser') ? errors() : undefined), errors);
    expect(said).toContain(`${join(home, 'server')} is not a folder of this user (it is a symlink). Remove ${join(home, 'server')} and start dstack server again.`);
    expect(await readdir(elsewhere)).toEqual([]);
    expect((await appInfo(cli.origin, { authorization: `Bearer ${cli.token}` })).status).toBe(200);
    await cli.stop();
    expect(await opener.started()).toBe(false);
  } finally {
    await opener.remove();
    await rm(join(home, 'server'), { force: true });
    await rm(elsewhere, { recursive: true, force: true });
  }
});

it('refuses a bad port with the fix', () => {
  const program = new Command('dstack').exitOverride();
  registerServerCommand(program);
  return expect(program.parseAsync(['server', '--port', '99999'], { from: 'user' })).rejects.toThrow(/Invalid port "99999"/);
});
