// Anyone who can reach the hub can send it anything. Each malformed request
// here gets a 4xx status line, and after each one the hub still answers an
// authenticated call: it never dies from a request.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawStatusLine } from '../server/server-process';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

let h: HubHarness;
beforeAll(async () => {
  h = await startHubHarness();
  expect((await h.post('projects.create', { name: 'alpha', backend: 'local' }, h.adminToken)).status).toBe(200);
});
afterAll(() => h?.close());

interface Case {
  name: string;
  bytes: (port: number, token: string) => string;
  status: number;
}

const here = (port: number) => `Host: 127.0.0.1:${port}\r\n`;
const bearer = (token: string) => `Authorization: Bearer ${token}\r\n`;
const post = (target: string, headers: string, body = '{}') =>
  `POST ${target} HTTP/1.1\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
const long = 'a'.repeat(20_000);

const CASES: Case[] = [
  { name: 'garbage request line', bytes: () => 'GARBAGE\r\n\r\n', status: 400 },
  { name: 'no Host header', bytes: (_, t) => post('/api/v1/me', bearer(t)), status: 400 },
  { name: 'Host: [', bytes: (_, t) => post('/api/v1/me', `Host: [\r\n${bearer(t)}`), status: 400 },
  { name: 'a Host that is not the hub (DNS rebinding)', bytes: (p, t) => post('/api/v1/me', `Host: evil.example:${p}\r\n${bearer(t)}`), status: 403 },
  { name: 'an Origin of another site', bytes: (p, t) => post('/api/v1/me', `${here(p)}${bearer(t)}Origin: https://evil.example\r\n`), status: 403 },
  { name: 'Origin that is not a URL', bytes: (p, t) => post('/api/v1/me', `${here(p)}${bearer(t)}Origin: http://[\r\n`), status: 403 },
  { name: 'undecodable path', bytes: (p, t) => post('/api/v1/%E0%A4%A', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'encoded ../ in a project name', bytes: (p, t) => post('/api/v1/projects/..%2f..%2fetc/ops/runs.list', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'a project name that is not a name', bytes: (p, t) => post('/api/v1/projects/a%20b/ops/runs.list', `${here(p)}${bearer(t)}`), status: 404 },
  { name: 'an unknown operation', bytes: (p, t) => post('/api/v1/projects/alpha/ops/runs.explode', `${here(p)}${bearer(t)}`), status: 404 },
  { name: 'an operation named __proto__', bytes: (p, t) => post('/api/v1/projects/alpha/ops/__proto__', `${here(p)}${bearer(t)}`), status: 404 },
  { name: 'an admin action named constructor', bytes: (p, t) => post('/api/v1/constructor', `${here(p)}${bearer(t)}`), status: 404 },
  { name: 'body that is not JSON', bytes: (p, t) => post('/api/v1/users.create', `${here(p)}${bearer(t)}`, '{{{'), status: 400 },
  { name: 'a JSON array for an admin action', bytes: (p, t) => post('/api/v1/users.create', `${here(p)}${bearer(t)}`, '[1]'), status: 400 },
  { name: 'a user name with a slash', bytes: (p, t) => post('/api/v1/users.create', `${here(p)}${bearer(t)}`, '{"name":"../x"}'), status: 400 },
  { name: 'a secret in project settings', bytes: (p, t) => post('/api/v1/projects.create', `${here(p)}${bearer(t)}`, '{"name":"s","backend":"aws","settings":{"secretAccessKey":"x"}}'), status: 400 },
  { name: 'an unknown backend', bytes: (p, t) => post('/api/v1/projects.create', `${here(p)}${bearer(t)}`, '{"name":"s","backend":"mars"}'), status: 400 },
  { name: 'a form post (not JSON)', bytes: (p, t) => `POST /api/v1/me HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b`, status: 400 },
  { name: 'an operation body that is not JSON', bytes: (p, t) => post('/api/v1/projects/alpha/ops/runs.list', `${here(p)}${bearer(t)}`, '{{{'), status: 400 },
  { name: 'a bearer token of 20 kB', bytes: (p) => post('/api/v1/me', `${here(p)}Authorization: Bearer ${long}\r\n`), status: 431 },
  { name: 'a token that is not hex', bytes: (p) => post('/api/v1/me', `${here(p)}Authorization: Bearer \u00ff\u00fe\r\n`), status: 401 },
  { name: 'Basic auth instead of a bearer token', bytes: (p) => post('/api/v1/me', `${here(p)}Authorization: Basic YWRtaW46eA==\r\n`), status: 401 },
  { name: 'an API version header from the future', bytes: (p, t) => post('/api/v1/me', `${here(p)}${bearer(t)}X-Dstack-Api-Version: 2\r\n`), status: 400 },
  { name: 'an API version header that is not a number', bytes: (p, t) => post('/api/v1/me', `${here(p)}${bearer(t)}X-Dstack-Api-Version: banana\r\n`), status: 400 },
  { name: 'a path under another API version', bytes: (p, t) => post('/api/v2/me', `${here(p)}${bearer(t)}`), status: 404 },
  { name: 'GET on an admin action', bytes: (p, t) => `GET /api/v1/me HTTP/1.1\r\n${here(p)}${bearer(t)}\r\n`, status: 404 },
  { name: 'a download id with path characters', bytes: (p, t) => `GET /api/v1/projects/alpha/download/a.b HTTP/1.1\r\n${here(p)}${bearer(t)}\r\n`, status: 400 },
  { name: 'a WebSocket upgrade', bytes: (p, t) => `GET /api/v1/events HTTP/1.1\r\n${here(p)}${bearer(t)}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, status: 404 },
  { name: 'both Content-Length and chunked (smuggling)', bytes: (p, t) => `POST /api/v1/me HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
];

it.each(CASES)('$name: answers $status and keeps serving', async (c) => {
  const line = await rawStatusLine(h.hub.port, c.bytes(h.hub.port, h.adminToken));
  expect(line, `the answer to: ${c.name}`).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status} `));
  const me = await h.post('me', {}, h.adminToken);
  expect(me.status, `after "${c.name}" the hub answered me with ${JSON.stringify(me.body)}`).toBe(200);
});

it('says both versions to a client of another major', async () => {
  const r = await h.post('me', {}, h.adminToken, { 'user-agent': 'dstack/7.2.0' });
  expect(r.status).toBe(400);
  expect(r.body.error?.message).toBe('This hub runs dstack 0.1.0; the client is dstack 7.2.0, another major version.');
  const v = await h.post('me', {}, h.adminToken, { 'x-dstack-api-version': '2' });
  expect(v.body.error?.message).toBe('This hub speaks API v1; the client asked for API "2".');
  expect((await h.post('me', {}, h.adminToken, { 'x-dstack-api-version': '1', 'user-agent': 'dstack/0.1.7' })).status).toBe(200);
});
