import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { electronMock, FakeBrowserWindow } = await import('./electron-mock');
const { createWindow, isAllowedExternal } = await import('../../../main/electron-main/window');

const ORIGIN = 'dstack-app://ui';

function open(bounds?: { x: number; y: number; width: number; height: number }) {
  createWindow({ preload: '/app/out/preload/index.cjs', url: `${ORIGIN}/index.html`, origin: ORIGIN, bounds });
  return FakeBrowserWindow.last!;
}

describe('the window factory', () => {
  beforeEach(() => electronMock.shell.openExternal.mockClear());

  it('isolates and sandboxes the renderer, without Node, with web security on', () => {
    const prefs = open().options.webPreferences;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('uses the remembered size and place', () => {
    expect(open({ x: 10, y: 20, width: 900, height: 700 }).options).toMatchObject({ x: 10, y: 20, width: 900, height: 700 });
  });

  it('loads our own page, and shows the window only when it is ready', () => {
    const win = open();
    expect(win.loadURL).toHaveBeenCalledWith(`${ORIGIN}/index.html`);
    expect(win.options.show).toBe(false);
  });

  it('refuses navigation to another origin, and opens only allow-listed https links outside', () => {
    const contents = open().webContents;
    const away = { preventDefault: vi.fn() };
    contents.emit('will-navigate', away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    expect(electronMock.shell.openExternal).not.toHaveBeenCalled();

    const docs = { preventDefault: vi.fn() };
    contents.emit('will-navigate', docs, 'https://dstack.ai/docs');
    expect(docs.preventDefault).toHaveBeenCalled();
    expect(electronMock.shell.openExternal).toHaveBeenCalledWith('https://dstack.ai/docs');

    const inside = { preventDefault: vi.fn() };
    contents.emit('will-navigate', inside, `${ORIGIN}/index.html#/runs`);
    expect(inside.preventDefault).not.toHaveBeenCalled();
  });

  it('denies every window.open', () => {
    const contents = open().webContents;
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'https://github.com/dstackai/dstack' })).toEqual({ action: 'deny' });
    expect(electronMock.shell.openExternal).toHaveBeenCalledTimes(1);
    expect(electronMock.shell.openExternal).toHaveBeenCalledWith('https://github.com/dstackai/dstack');
  });

  it('refuses webviews', () => {
    const event = { preventDefault: vi.fn() };
    open().webContents.emit('will-attach-webview', event);
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('allows only https links to known hosts outside the app', () => {
    expect(isAllowedExternal('https://docs.aws.amazon.com/IAM/')).toBe(true);
    expect(isAllowedExternal('http://dstack.ai/')).toBe(false);
    expect(isAllowedExternal('https://dstack.ai.evil.example/')).toBe(false);
    expect(isAllowedExternal('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternal('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternal('javascript:alert(1)')).toBe(false);
  });
});
