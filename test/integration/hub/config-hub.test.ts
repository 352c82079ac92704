// `dstack config hub`: the connection is checked before anything is saved,
// and each way it can go wrong gets one message naming the fix. On success
// the token is in the OS keychain (real keytar, test/with-keyring.sh) and
// only the URL and project are on disk, in a private file.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { CliContext } from '../../../main/cli/context';
import { configHub, configHubCommand, HUB_CONNECTION_FILE } from '../../../main/cli/commands/config-hub';
import { Keychain } from '../../../main/node/keychain';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

let h: HubHarness;
let url: string;
let token: string;
const keychain = new Keychain(`dstack-hub-test-${randomBytes(4).toString('hex')}`);

beforeAll(async () => {
  h = await startHubHarness();
  url = `http://127.0.0.1:${h.hub.port}/`;
  expect((await h.post('projects.create', { name: 'alpha', backend: 'local' }, h.adminToken)).status).toBe(200);
  expect((await h.post('projects.create', { name: 'bravo', backend: 'local' }, h.adminToken)).status).toBe(200);
  token = ((await h.post('users.create', { name: 'ana' }, h.adminToken)).body.result as { token: string }).token;
  expect((await h.post('members.set', { project: 'alpha', user: 'ana', role: 'run' }, h.adminToken)).status).toBe(200);
});
afterAll(async () => {
  await keychain.delete(url).catch(() => false);
  await h?.close();
});

it('keeps the token in the keychain and the URL and project in a private file', async () => {
  const said = await configHub(h.home, { url, project: 'alpha' }, `${token}\n`, keychain);
  expect(said).toBe(`Connected to the hub at ${url} as ana: project alpha, role run. The token is in the OS keychain.`);
  expect(await keychain.get(url)).toBe(token);
  const file = join(h.home, HUB_CONNECTION_FILE);
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url, project: 'alpha' });
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(await readFile(file, 'utf8')).not.toContain(token);
});

it('names the fix for a URL that is not one', async () => {
  await expect(configHub(h.home, { url: 'hub.example', project: 'alpha' }, token, keychain)).rejects.toMatchObject({
    message: '"hub.example" is not a URL.',
    fix: expect.stringContaining('http://127.0.0.1:8733/'),
  });
});

it('names the fix for a hub that is down', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  await expect(configHub(h.home, { url: `http://127.0.0.1:${port}`, project: 'alpha' }, token, keychain)).rejects.toMatchObject({
    message: `No hub answers at http://127.0.0.1:${port} (ECONNREFUSED).`,
    fix: 'Check the URL and port, and that `dstack hub` is running there.',
  });
});

it('names the fix for a URL that answers but is not a hub', async () => {
  const s = createServer((_, res) => res.end('<html>hello</html>'));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const other = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
  try {
    await expect(configHub(h.home, { url: other, project: 'alpha' }, token, keychain)).rejects.toMatchObject({
      message: `${other} answered HTTP 200, but it is not a dstack hub.`,
    });
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
});

it('names the fix for a project that is not there or not yours, listing yours', async () => {
  for (const project of ['bravo', 'nowhere']) {
    await expect(configHub(h.home, { url, project }, token, keychain)).rejects.toMatchObject({
      message: `Project "${project}" not found on the hub http://127.0.0.1:${h.hub.port} (or you are not a member of it).`,
      fix: `Your projects there: alpha. Or ask the hub admin to add you to "${project}".`,
    });
  }
});

it('names the fix for a revoked token', async () => {
  const gone = ((await h.post('users.create', { name: 'gone' }, h.adminToken)).body.result as { token: string }).token;
  expect((await h.post('users.revoke', { name: 'gone' }, h.adminToken)).status).toBe(200);
  await expect(configHub(h.home, { url, project: 'alpha' }, gone, keychain)).rejects.toMatchObject({
    message: 'The hub refused the token: it is unknown, revoked or was replaced by a new one.',
    fix: 'Ask the hub admin for a new token (users.rotate), then run `dstack config hub` again.',
  });
});

it('chosen from `dstack config` with no options, says the whole command; with one of the two, names the other', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await configHubCommand({ home: h.home } as CliContext).parseAsync([], { from: 'user' });
    expect(log).toHaveBeenCalledWith('To use a team hub, run: dstack config hub --url URL --project NAME');
  } finally {
    log.mockRestore();
  }
  await expect(configHubCommand({ home: h.home } as CliContext).parseAsync(['--url', url], { from: 'user' })).rejects.toMatchObject({
    message: '`dstack config hub` needs --project too.',
    fix: 'Run: dstack config hub --url URL --project NAME',
  });
});
