// Any local process (or a web page on another local port, through the cookie
// it may set) can send `dstack server` anything. Each malformed request or
// WebSocket upgrade here gets a 4xx status line, and after each one the same
// server process still answers an authenticated call.
import { afterAll, beforeEach, expect, it } from 'vitest';
import type { ServerProcess } from './server-process';
import { rawStatusLine, startServerProcess } from './server-process';

let srv: ServerProcess | undefined;
// A case that kills the server must not hide what the next ones do: each starts from a live server.
beforeEach(async () => {
  if (srv && (await srv.assertServes().then(() => true, () => false))) return;
  await srv?.stop();
  srv = await startServerProcess();
});
afterAll(() => srv?.stop());

const WS_HEADERS = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

interface Case {
  name: string;
  /** The raw request, given the server's port and token. */
  bytes: (port: number, token: string) => string | Buffer;
  status: number;
}

const get = (target: string, headers: string) => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;
const here = (port: number) => `Host: 127.0.0.1:${port}\r\n`;
const bearer = (token: string) => `Authorization: Bearer ${token}\r\n`;

// The inputs the attack pass used to kill the server: bad Host values and an undecodable token cookie,
// both on a page request and on the event socket's upgrade.
const BAD_HOSTS = ['[', 'a b', '%', ':', 'x:y', 'a:99999'];
const KILLERS: Case[] = [
  ...BAD_HOSTS.flatMap((host): Case[] => [
    { name: `page with Host: ${host}`, bytes: () => get('/', `Host: ${host}\r\nConnection: close\r\n`), status: 400 },
    { name: `upgrade with Host: ${host}`, bytes: (_, t) => get(`/api/events?token=${t}`, `Host: ${host}\r\n${WS_HEADERS}`), status: 400 },
  ]),
  { name: 'page with an undecodable token cookie', bytes: (p) => get('/', `${here(p)}Cookie: dstack_token_${p}=%E0%A4%A\r\nConnection: close\r\n`), status: 400 },
  { name: 'upgrade with an undecodable token cookie', bytes: (p) => get('/api/events', `${here(p)}Cookie: dstack_token_${p}=%E0%A4%A\r\n${WS_HEADERS}`), status: 400 },
];

// A broader sweep: request lines, methods, header syntax, cookies, paths and upgrades.
const long = 'a'.repeat(20_000);
const SWEEP: Case[] = [
  { name: 'garbage request line', bytes: () => 'GARBAGE\r\n\r\n', status: 400 },
  { name: 'request line without a target', bytes: () => 'GET\r\n\r\n', status: 400 },
  { name: 'unknown HTTP version', bytes: (p) => `GET / HTTP/9.9\r\n${here(p)}\r\n`, status: 400 },
  { name: 'unknown method', bytes: (p) => `FROB / HTTP/1.1\r\n${here(p)}\r\n`, status: 400 },
  { name: 'NUL in the method', bytes: (p) => `G\0T / HTTP/1.1\r\n${here(p)}\r\n`, status: 400 },
  { name: 'NUL in the target', bytes: (p) => `GET /\0 HTTP/1.1\r\n${here(p)}\r\n`, status: 400 },
  { name: 'no Host header', bytes: () => 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', status: 400 },
  { name: 'absolute-form target with a bad host', bytes: (p, t) => get('http://[/', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'target that is not a path', bytes: (p, t) => get('index.html', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'over-long URL', bytes: (p, t) => get(`/${long}`, `${here(p)}${bearer(t)}`), status: 431 },
  { name: 'over-long header', bytes: (p) => get('/', `${here(p)}X-Long: ${long}\r\n`), status: 431 },
  { name: 'header line without a colon', bytes: (p) => get('/', `${here(p)}NoColonHere\r\n`), status: 400 },
  { name: 'space in a header name', bytes: (p) => get('/', `${here(p)}Bad Name: x\r\n`), status: 400 },
  { name: 'bare CR in a header value (injection)', bytes: (p) => get('/', `${here(p)}X-A: a\rSet-Cookie: x=y\r\n`), status: 400 },
  { name: 'NUL in a header value', bytes: (p) => get('/', `${here(p)}X-A: a\0b\r\n`), status: 400 },
  { name: 'both Content-Length and chunked (smuggling)', bytes: (p, t) => `POST /api/app.info HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
  { name: 'non-numeric Content-Length', bytes: (p, t) => `POST /api/app.info HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Length: abc\r\n\r\n`, status: 400 },
  { name: 'bad chunk size', bytes: (p, t) => `POST /api/app.info HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, status: 400 },
  { name: 'body that is not JSON', bytes: (p, t) => `POST /api/app.info HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Type: application/json\r\nContent-Length: 3\r\n\r\n{{{`, status: 400 },
  { name: 'token cookie with a lone %', bytes: (p) => get('/', `${here(p)}Cookie: dstack_token_${p}=%\r\n`), status: 400 },
  { name: 'token cookie with %ZZ', bytes: (p) => get('/api/nothing', `${here(p)}Cookie: a=b; dstack_token_${p}=%ZZ; c=d\r\n`), status: 400 },
  { name: 'undecodable path', bytes: (p, t) => get('/%E0%A4%A', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'lone % in the path', bytes: (p, t) => get('/%', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'encoded NUL in the path', bytes: (p, t) => get('/index.html%00.js', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'encoded ../ in the path', bytes: (p, t) => get('/..%2f..%2f..%2fetc%2fpasswd', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'encoded ..\\ in the path', bytes: (p, t) => get('/..%5c..%5cetc%5cpasswd', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'undecodable operation name', bytes: (p, t) => `POST /api/%E0%A4%A HTTP/1.1\r\n${here(p)}${bearer(t)}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`, status: 400 },
  { name: 'encoded NUL in a download id', bytes: (p, t) => get('/api/download/%00', `${here(p)}${bearer(t)}`), status: 400 },
  { name: 'Origin that is not a URL', bytes: (p, t) => get('/', `${here(p)}${bearer(t)}Origin: http://[\r\n`), status: 403 },
  { name: 'upgrade to an undecodable path', bytes: (p, t) => get(`/api/events%E0%A4%A?token=${t}`, `${here(p)}${WS_HEADERS}`), status: 400 },
  { name: 'upgrade with a bad WebSocket key', bytes: (p, t) => get(`/api/events?token=${t}`, `${here(p)}${WS_HEADERS.replace('dGhlIHNhbXBsZSBub25jZQ==', '!!')}`), status: 400 },
  { name: 'upgrade with an unknown WebSocket version', bytes: (p, t) => get(`/api/events?token=${t}`, `${here(p)}${WS_HEADERS.replace('Version: 13', 'Version: 99')}`), status: 400 },
  { name: 'upgrade to another protocol', bytes: (p, t) => get(`/api/events?token=${t}`, `${here(p)}Upgrade: h2c\r\nConnection: Upgrade\r\n`), status: 400 },
];

it.each([...KILLERS, ...SWEEP])('$name: answers $status and keeps serving', async (c) => {
  const s = srv!;
  const line = await rawStatusLine(s.port, c.bytes(s.port, s.token));
  expect(line, `the answer to: ${c.name}`).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status} `));
  await s.assertServes();
});

it('still accepts a well-formed absolute-form request naming this server', async () => {
  const s = srv!;
  const body = '{}';
  const line = await rawStatusLine(
    s.port,
    `POST http://127.0.0.1:${s.port}/api/app.info HTTP/1.1\r\n${here(s.port)}${bearer(s.token)}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  expect(line).toMatch(/^HTTP\/1\.1 200 /);
});
