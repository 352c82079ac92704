/**
 * The one window factory. Every window gets the same hardened preferences:
 * an isolated, sandboxed renderer without Node, web security on, no
 * webviews, and the preload as its only bridge. Navigation away from our
 * origin and new windows are refused; an allow-listed https link opens in
 * the user's browser instead.
 */
import type { WebContents } from 'electron';
import { BrowserWindow, shell } from 'electron';
import type { WindowBounds } from '../service/app-state';
import { originOf } from './origin';

/** Hosts whose https pages the app may open in the user's browser (docs and the AWS console). */
export const EXTERNAL_HOSTS = new Set(['dstack.ai', 'docs.dstack.ai', 'github.com', 'docs.aws.amazon.com', 'console.aws.amazon.com']);

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && EXTERNAL_HOSTS.has(u.hostname) && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Opens `url` in the default browser only when allow-listed; returns whether it did. */
export function openExternalSafely(url: string): boolean {
  if (!isAllowedExternal(url)) return false;
  void shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK: the URL passed the https allow-list just above */
  return true;
}

/** Refuses navigation off our origin, new windows, and webviews, on one page. */
export function lockDownContents(contents: WebContents, appOrigin: string): void {
  contents.on('will-navigate', (event, url) => {
    if (originOf(url) !== appOrigin) {
      event.preventDefault();
      openExternalSafely(url);
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (originOf(url) !== appOrigin) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
}

/**
 * Creates the app window. The options are written out at the constructor, not
 * built elsewhere, so a reviewer (and Electronegativity) sees them in one place.
 */
export function createWindow(opts: { preload: string; url: string; origin: string; bounds?: WindowBounds; icon?: string }): BrowserWindow {
  const { bounds } = opts;
  const win = new BrowserWindow({
    width: bounds?.width ?? 1200,
    height: bounds?.height ?? 800,
    ...(bounds?.x !== undefined && bounds?.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'dstack',
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: {
      // The preload was reviewed: it exposes one ipcRenderer.invoke per operation and `on`, nothing else.
      preload: opts.preload, /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would otherwise try to open links in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  lockDownContents(win.webContents, opts.origin);
  if (opts.bounds?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.url);
  return win;
}
