// `dstack server` as the CLI runs it: prints a tokened URL, serves the API
// there, and stops cleanly on Ctrl+C.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerServerCommand } from '../../../main/server/cli-command';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-cli-server-'));
  vi.stubEnv('DSTACK_HOME', home);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

it('prints the URL with its token, serves it, and stops on SIGINT', async () => {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const program = new Command('dstack').exitOverride();
  registerServerCommand(program);
  const running = program.parseAsync(['server', '--port', '0', '--no-open'], { from: 'user' });
  for (let i = 0; i < 100 && !printed.length; i++) await new Promise((r) => setTimeout(r, 20));
  const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(printed.join('\n'))?.[0];
  expect(url).toBeDefined();
  const { origin, searchParams } = new URL(url!);
  const res = await fetch(`${origin}/api/app.info`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${searchParams.get('token')}` },
    body: '{}',
  });
  expect(((await res.json()) as { result: { transport: string } }).result.transport).toBe('http');
  process.emit('SIGINT');
  await running;
  await expect(fetch(`${origin}/api/app.info`, { method: 'POST' })).rejects.toThrow();
});

it('refuses a bad port with the fix', () => {
  const program = new Command('dstack').exitOverride();
  registerServerCommand(program);
  return expect(program.parseAsync(['server', '--port', '99999'], { from: 'user' })).rejects.toThrow(/Invalid port "99999"/);
});
