// `dstack hub` as the CLI starts it: the URL and the admin token printed on
// the first start only, loopback by default, a loud warning on another
// address without TLS, HTTPS with --tls-cert/--tls-key, and --allowed-host;
// a database password never on its command line.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { startHubFromFlags } from '../../../main/cli/commands/hub';
import { rawStatusLine } from '../server/server-process';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-hub-cli-'));
  vi.stubEnv('DSTACK_HOME', home);
});
const live = new Set<() => Promise<void>>();
afterEach(async () => {
  for (const stop of live) await stop();
  live.clear();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

const flags = (more: Partial<Parameters<typeof startHubFromFlags>[0]> = {}) => ({ host: '127.0.0.1', port: 0, allowedHost: [], ...more });

async function start(more: Partial<Parameters<typeof startHubFromFlags>[0]> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stop = await startHubFromFlags(flags(more), (l) => out.push(l), (l) => err.push(l));
  live.add(stop);
  const printed = out.join('\n');
  const url = /(https?):\/\/([^/\s]+):(\d+)\//.exec(printed);
  if (!url) throw new Error(`dstack hub printed no URL; it printed: ${printed}`);
  return { printed, warned: err.join('\n'), scheme: url[1]!, port: Number(url[3]), token: /^ {4}([0-9A-Za-z_-]{20,})$/m.exec(printed)?.[1], stop };
}

async function me(port: number, token: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/me`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
  });
  return res.status;
}

it('prints the URL and the admin token on the first start only; the token still works after a restart', async () => {
  const first = await start();
  expect(first.printed).toMatch(/^dstack hub is running at http:\/\/127\.0\.0\.1:\d+\/$/m);
  expect(first.printed).toContain('shown only this once');
  expect(first.token, first.printed).toBeDefined();
  expect(first.warned).toBe('');
  expect(await me(first.port, first.token!)).toBe(200);
  await first.stop();
  live.delete(first.stop);
  const second = await start();
  expect(second.printed).not.toContain('admin token');
  expect(second.token).toBeUndefined();
  expect(await me(second.port, first.token!)).toBe(200);
});

it('warns that a TLS proxy must front it on a non-loopback address, and answers an --allowed-host name only', async () => {
  const hub = await start({ host: '0.0.0.0', allowedHost: ['hub.test'] });
  expect(hub.warned).toMatch(/plain HTTP on 0\.0\.0\.0.*TLS reverse proxy.*--tls-cert and --tls-key/);
  const ask = (host: string) => rawStatusLine(hub.port, `POST /api/v1/me HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
  expect(await ask(`evil.test:${hub.port}`)).toMatch(/^HTTP\/1\.1 403 /);
  // The added name is let through by Host, and then refused for the missing token: the name is the hub's.
  expect(await ask(`hub.test:${hub.port}`)).toMatch(/^HTTP\/1\.1 401 /);
  expect(await ask('hub.test')).toMatch(/^HTTP\/1\.1 401 /);
});

it('serves HTTPS with --tls-cert and --tls-key, and refuses one without the other', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-hub-tls-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    await expect(startHubFromFlags(flags({ tlsCert: cert }), () => undefined, () => undefined)).rejects.toThrow('--tls-cert and --tls-key go together.');
    await expect(startHubFromFlags(flags({ tlsCert: join(dir, 'nope.pem'), tlsKey: key }), () => undefined, () => undefined)).rejects.toThrow(/Cannot read --tls-cert .*nope\.pem: no such file/);
    const hub = await start({ host: '0.0.0.0', tlsCert: cert, tlsKey: key });
    expect(hub.scheme).toBe('https');
    expect(hub.warned).toBe('');
    const ca = await readFile(cert);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: hub.port, path: '/api/v1/me', method: 'POST', ca, headers: { 'content-type': 'application/json', origin: `https://127.0.0.1:${hub.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    // Over TLS, with an https Origin naming the hub: let through to the token check.
    expect(status).toBe(401);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('refuses a database password on the command line, where `ps` shows it, and takes the URL from DSTACK_HUB_DATABASE', async () => {
  const bin = join(import.meta.dirname, '..', '..', '..', 'main', 'cli', 'dstack.js');
  const hub = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, [bin, 'hub', '--port', '0', ...args], { env: { ...process.env, DSTACK_HOME: home, ...env }, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
  // Port 1 refuses: no hub starts, and what it says shows where the URL came from.
  const url = 'postgresql://ana:s3cret@127.0.0.1:1/runs';
  expect(await hub(['--database', url])).toEqual({
    code: 1,
    stderr:
      'The --database URL holds a password, which every user of this machine could read in `ps`. ' +
      'Leave it out of the URL and set PGPASSWORD, or put the whole URL in DSTACK_HUB_DATABASE instead of --database.\n',
  });
  const fromEnv = await hub([], { DSTACK_HUB_DATABASE: url });
  expect([fromEnv.code, fromEnv.stderr]).toEqual([1, expect.stringMatching(/^The hub cannot use its database postgresql:\/\/ana:\*\*\*@127\.0\.0\.1:1\/runs: connect ECONNREFUSED/)]);
}, 120_000);
