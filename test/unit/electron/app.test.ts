import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../helpers/wait';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { electronMock, FakeBrowserWindow, handlers } = await import('./electron-mock');
const { startApp } = await import('../../../main/electron-main/app');

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-app-'));
  process.env.DSTACK_HOME = home;
});
afterAll(async () => {
  delete process.env.DSTACK_HOME;
  await rm(home, { recursive: true, force: true });
});

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('the app', () => {
  it('quits at once when another instance holds the lock', () => {
    electronMock.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    FakeBrowserWindow.last = undefined;
    startApp();
    expect(electronMock.app.quit).toHaveBeenCalled();
    expect(electronMock.app.whenReady).not.toHaveBeenCalled();
  });

  it('hardens the session, registers IPC and opens one sandboxed window on our own origin', async () => {
    startApp();
    await settle();
    const s = electronMock.session.defaultSession;
    expect(s.webRequest.onHeadersReceived).toHaveBeenCalled();
    expect(s.setPermissionRequestHandler).toHaveBeenCalled();
    expect(s.protocol.handle).toHaveBeenCalledWith('dstack-app', expect.any(Function));
    expect(handlers.has('api:app.info')).toBe(true);
    const win = FakeBrowserWindow.last!;
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(String((win.options.webPreferences as { preload: string }).preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(win.loadURL).toHaveBeenCalledWith('dstack-app://ui/index.html');
  });

  it('focuses the existing window when a second instance starts', () => {
    const win = FakeBrowserWindow.last!;
    const focus = vi.spyOn(win as unknown as { focus: () => void }, 'focus');
    electronMock.app.emit('second-instance');
    expect(focus).toHaveBeenCalled();
  });

  it('remembers the window bounds when it closes', async () => {
    FakeBrowserWindow.last!.emit('close');
    // The save is durable (fsync), which takes its time on a busy disk: wait for it, not for a fixed 50 ms.
    const readState = async () => JSON.parse(await readFile(join(home, 'app', 'state.json'), 'utf8')) as { window?: unknown };
    const state = await waitFor('state.json with the window bounds', readState, (s) => s.window !== undefined, { timeoutMs: 10_000 });
    expect(state.window).toEqual({ x: 5, y: 6, width: 1000, height: 700, maximized: false });
  });
});
