import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { hardenSession, withCsp } = await import('../../../main/electron-main/session');
const { contentSecurityPolicy } = await import('../../../main/common/csp');
const { electronMock } = await import('./electron-mock');

function fakeSession() {
  const s = {
    headers: undefined as undefined | ((d: unknown, cb: (r: unknown) => void) => void),
    permission: undefined as undefined | ((c: unknown, p: string, cb: (ok: boolean) => void) => void),
    check: undefined as undefined | (() => boolean),
    webRequest: { onHeadersReceived: (fn: never) => (s.headers = fn) },
    setPermissionRequestHandler: (fn: never) => (s.permission = fn),
    setPermissionCheckHandler: (fn: never) => (s.check = fn),
    on: vi.fn(),
    protocol: { handle: vi.fn() },
  };
  return s;
}

describe('the CSP', () => {
  const csp = contentSecurityPolicy();

  it('allows scripts only from our origin, never eval or inline', () => {
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/base-uri 'none'/);
  });

  it('is set on every response by the session, replacing any the response had', () => {
    const s = fakeSession();
    hardenSession(s as never, { rendererDir: '/app/out/renderer' });
    let out: { responseHeaders: Record<string, string[]> } | undefined;
    s.headers!({ responseHeaders: { 'content-security-policy': ["script-src * 'unsafe-eval'"], 'X-Other': ['1'] } }, (r) => (out = r as never));
    expect(out!.responseHeaders['Content-Security-Policy']).toEqual([csp]);
    expect(out!.responseHeaders['content-security-policy']).toBeUndefined();
    expect(out!.responseHeaders['X-Other']).toEqual(['1']);
  });

  it('lets the dev server in only in development', () => {
    const dev = contentSecurityPolicy({ devServer: 'http://localhost:5173' });
    expect(dev).toMatch(/script-src 'self' http:\/\/localhost:5173/);
    expect(dev).toMatch(/connect-src 'self' http:\/\/localhost:5173 ws:\/\/localhost:5173/);
    expect(dev).not.toMatch(/unsafe-eval/);
  });

  it('keeps headers when a response has none', () => {
    expect(withCsp({ responseHeaders: undefined }, 'x').responseHeaders).toEqual({ 'Content-Security-Policy': ['x'] });
  });
});

describe('permissions', () => {
  it('denies every permission request and check', () => {
    const s = fakeSession();
    hardenSession(s as never, { rendererDir: '/r' });
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const cb = vi.fn();
      s.permission!({}, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(s.check!()).toBe(false);
  });
});

describe('the dstack-app:// scheme', () => {
  async function handler() {
    const s = fakeSession();
    hardenSession(s as never, { rendererDir: '/app/out/renderer' });
    return s.protocol.handle.mock.calls[0]![1] as (r: { url: string }) => Promise<Response>;
  }

  it('serves renderer files with the CSP, and never a file outside the renderer folder', async () => {
    electronMock.net.fetch.mockImplementation(async (u: string) =>
      u === 'file:///app/out/renderer/index.html' ? new Response('<html>', { status: 200 }) : new Response('', { status: 404 }),
    );
    const serve = await handler();
    const page = await serve({ url: 'dstack-app://ui/' });
    expect(await page.text()).toBe('<html>');
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    expect((await serve({ url: 'dstack-app://ui/runs/abc' })).status).toBe(200);
    expect((await serve({ url: 'dstack-app://ui/assets/missing.js' })).status).toBe(404);
    expect((await serve({ url: 'dstack-app://ui/..%2f..%2f..%2fetc%2fpasswd' })).status).toBe(404);
    expect((await serve({ url: 'dstack-app://other/index.html' })).status).toBe(404);
    for (const [u] of electronMock.net.fetch.mock.calls as unknown as [string][]) expect(u.startsWith('file:///app/out/renderer/')).toBe(true);
  });
});
