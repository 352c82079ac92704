// A stand-in for the 'electron' module, enough for the main-process adapters
// to run under Node: it records what they ask Electron to do, so tests can
// assert on the options, handlers and calls a user's app would get.
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  mainFrame: FakeFrame;
  openHandler?: (d: { url: string }) => { action: string };
  readonly sent: unknown[][] = [];
  readonly startDrag = vi.fn();
  constructor(url = 'dstack-app://ui/index.html') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.openHandler = h;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static last?: FakeBrowserWindow;
  readonly webContents = new FakeWebContents();
  readonly loadURL = vi.fn(async () => undefined);
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.last = this;
  }
  isDestroyed(): boolean {
    return false;
  }
  isMaximized(): boolean {
    return false;
  }
  getBounds() {
    return { x: 5, y: 6, width: 1000, height: 700 };
  }
  maximize(): void {}
  show(): void {}
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
}

export const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();

export const electronMock = {
  BrowserWindow: FakeBrowserWindow,
  shell: { openExternal: vi.fn(async () => undefined), showItemInFolder: vi.fn() },
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, input: unknown) => Promise<unknown>) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
  app: Object.assign(new EventEmitter(), {
    getPath: () => '/tmp',
    getVersion: () => '0.0.0-test',
    getAppPath: () => '/tmp',
    name: 'dstack',
    isPackaged: true,
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    whenReady: vi.fn(async () => undefined),
  }),
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: vi.fn() },
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      on: vi.fn(),
      protocol: { handle: vi.fn() },
    },
  },
  dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showMessageBox: vi.fn(async () => ({ response: 0 })) },
  nativeImage: { createFromPath: () => ({ resize: () => ({ isEmpty: () => false }) }) },
  Notification: Object.assign(
    vi.fn(function (this: { show: () => void }) {
      this.show = vi.fn();
    }),
    { isSupported: () => true },
  ),
  net: { fetch: vi.fn() },
  protocol: { registerSchemesAsPrivileged: vi.fn() },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((t: unknown) => t) },
};
