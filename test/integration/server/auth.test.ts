import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Harness } from './harness';
import { startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A raw request, so tests control Host and the path exactly as an attacker could. */
function raw(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: h.server.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dstack server: the token', () => {
  it('prints a loopback URL carrying a 64-hex-digit token', () => {
    expect(h.server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${h.server.port}/\\?token=[0-9a-f]{64}$`));
  });

  it('answers 401 without a token to the API, and serves pages only as the app, which asks to sign in', async () => {
    const page = await fetch(`${h.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${h.base}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await h.call('app.info', {}, { authorization: `Bearer ${'0'.repeat(64)}` })).status).toBe(401);
  });

  it('answers 200 with the bearer token', async () => {
    const r = await h.call('app.info');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ result: { version: '9.9.9', transport: 'http', platform: process.platform, configured: false, localGpus: expect.any(Number) } });
  });

  it('turns ?token= on first load into an HttpOnly, SameSite=Strict cookie and drops it from the URL', async () => {
    const first = await fetch(`${h.base}/runs?token=${h.server.token}`, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/runs');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(`${h.base}/runs`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${h.base}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0]! }, body: '{}' });
    expect(api.status).toBe(200);
  });

  it('sends the strict CSP and anti-framing headers with every page', async () => {
    const page = await fetch(`${h.base}/`, { headers: { authorization: `Bearer ${h.server.token}` } });
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('requires the token on the event socket too', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${h.server.port}/api/events`);
    const outcome = await new Promise<string>((resolve) => {
      refused.on('open', () => resolve('open'));
      refused.on('error', () => resolve('refused'));
      refused.on('unexpected-response', (_req, res) => resolve(`status ${res.statusCode}`));
    });
    expect(outcome).not.toBe('open');
    const ok = new WebSocket(`ws://127.0.0.1:${h.server.port}/api/events?token=${h.server.token}`);
    const hello = await new Promise<string>((resolve) => ok.once('message', (d) => resolve(String(d))));
    expect(JSON.parse(hello)).toMatchObject({ type: 'hello', clientId: expect.any(String) });
    ok.close();
  });
});

describe('dstack server: DNS rebinding and cross-site requests', () => {
  const auth = () => ({ authorization: `Bearer ${h.server.token}` });

  it('refuses a Host that is not ours, even with the token', async () => {
    const r = await raw('/', { ...auth(), host: `evil.example:${h.server.port}` });
    expect(r.status).toBe(403);
    expect((await raw('/', { ...auth(), host: `localhost:${h.server.port}` })).status).toBe(200);
  });

  it('refuses a foreign Origin', async () => {
    const r = await raw('/', { ...auth(), host: `127.0.0.1:${h.server.port}`, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
  });

  it('refuses a non-JSON post (a cross-site form cannot send JSON without a preflight)', async () => {
    const res = await fetch(`${h.base}/api/app.info`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/must be JSON/);
  });

  it('does not serve files outside the renderer folder', async () => {
    const r = await raw('/..%2f..%2fstate.json', { ...auth(), host: `127.0.0.1:${h.server.port}` });
    expect(r.status).toBe(400);
    expect(r.body).not.toContain('projects');
  });
});

describe('dstack server: the API over HTTP', () => {
  it('answers an unknown operation with 404 and an error envelope', async () => {
    const r = await h.call('runs.explode');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers bad arguments with 400 naming the field', async () => {
    const r = await h.call('runs.stop', { projectId: 'p', runName: 'a-b-1' });
    expect(r.status).toBe(400);
    expect((r.body.error as { message: string }).message).toBe('Abort is required.');
  });

  it('refuses drag in a browser with a sentence and a fix', async () => {
    const r = await h.call('artifacts.startDrag', { itemId: 'abc' });
    expect(r.body).toMatchObject({ error: { code: 'invalid_argument', fix: 'Use Download instead.' } });
  });
});

describe('dstack server: allowed hosts', () => {
  it('accepts the bound address, and every interface address when bound to all', async () => {
    const { allowedHosts } = await import('../../../main/server/auth');
    expect(allowedHosts('192.168.1.5', 80)).toContain('192.168.1.5:80');
    expect(allowedHosts('127.0.0.1', 80)).not.toContain('evil.example:80');
    const all = allowedHosts('0.0.0.0', 80);
    expect(all).toContain('127.0.0.1:80');
    expect([...all].some((h) => h.startsWith('0.0.0.0'))).toBe(false);
  });
});
