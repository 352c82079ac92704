// The hub serves the app's page to a browser: the built renderer at `/`
// with the same strict CSP as `dstack server`, with no token (the page asks
// for one), while every byte of data still needs one; and a browser, which
// cannot set headers on a WebSocket, opens a project's events with the token
// as a subprotocol instead of in the URL.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { RunningHub } from '../../../main/hub/server/hub-server';
import { startHub } from '../../../main/hub/server/hub-server';
import { openHubStore } from '../../../main/hub/sql-store';
import type { HubStore } from '../../../main/hub/store';

let home: string;
let store: HubStore;
let hub: RunningHub;
let adminToken: string;
const PAGE = '<!doctype html><title>dstack</title><div id="root"></div>';

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-hub-page-'));
  const rendererDir = join(home, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), PAGE);
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
  store = await openHubStore({ home });
  adminToken = (await store.bootstrapAdmin('admin'))!.token;
  hub = await startHub({ store, home, version: '0.1.0', port: 0, rendererDir });
  await fetch(`${hub.url}api/v1/projects.create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'alpha', backend: 'local' }),
  });
});

afterAll(async () => {
  await hub?.close();
  await store?.close();
  await rm(home, { recursive: true, force: true });
});

test('GET / without a token is the app page, with the strict CSP and anti-framing headers', async () => {
  const res = await fetch(hub.url);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe(PAGE);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain(`ws://127.0.0.1:${hub.port}`);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('set-cookie')).toBeNull();
  // The page tells a hub from `dstack server` by this mark.
  expect(res.headers.get('x-dstack-hub')).toBe('v1');
});

test('a client-side route gets the page, an asset its type, a path out of the folder nothing', async () => {
  expect(await (await fetch(`${hub.url}admin`)).text()).toBe(PAGE);
  const js = await fetch(`${hub.url}assets/app.js`);
  expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  const out = await fetch(`${hub.url}assets/..%2F..%2Fhub%2Fhub.db`);
  expect([400, 404]).toContain(out.status);
  expect(await (await fetch(`${hub.url}nothing.js`)).text()).toBe('Not found.');
});

test('the API still needs the token: the page is the only thing served without one', async () => {
  const res = await fetch(`${hub.url}api/v1/me`, { method: 'POST', body: '{}' });
  expect(res.status).toBe(401);
  const get = await fetch(`${hub.url}api/v1/me`);
  expect(get.status).toBe(404);
});

/** Opens the events socket with these subprotocols; resolves with the first message, the refusal, or what it saw by a deadline. */
function openEvents(protocols: string[]): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(`no message nor refusal within 30 s (socket state ${ws.readyState})`), 30_000);
    const done = (what: string) => {
      clearTimeout(timer);
      resolve(what);
    };
    const ws = new WebSocket(`ws://127.0.0.1:${hub.port}/api/v1/projects/alpha/events`, protocols, { headers: { origin: `http://127.0.0.1:${hub.port}` } });
    ws.on('message', (m: Buffer) => {
      done(`message ${m.toString()} protocol=${ws.protocol}`);
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => done(`refused ${res.statusCode}`));
    ws.on('error', (err) => done(`error ${err.message}`));
  });
}

test('a browser opens the project events with the token as a subprotocol, never in the URL', async () => {
  expect(await openEvents(['dstack.bearer', `dstack.token.${adminToken}`])).toMatch(/^message \{"type":"hello".*protocol=dstack\.bearer$/);
  expect(await openEvents(['dstack.bearer', 'dstack.token.dsh_wrong'])).toBe('refused 401');
  expect(await openEvents(['dstack.bearer'])).toBe('refused 401');
});
