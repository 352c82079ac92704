/**
 * The native menu: the usual items through Electron's roles (so shortcuts
 * and platform conventions come for free), plus About with the version and
 * a link to the docs. Developer tools appear only in development builds.
 */
import type { BrowserWindow, MenuItemConstructorOptions } from 'electron';
import { app, dialog, Menu } from 'electron';
import { openExternalSafely } from './window';

export const DOCS_URL = 'https://dstack.ai/docs';

export function showAbout(win: BrowserWindow | undefined): void {
  const opts = {
    type: 'info' as const,
    title: 'About dstack',
    message: `dstack Desktop ${app.getVersion()}`,
    detail: `Electron ${process.versions.electron ?? ''} · Chromium ${process.versions.chrome ?? ''} · Node ${process.versions.node}`,
    buttons: ['OK'],
  };
  void (win ? dialog.showMessageBox(win, opts) : dialog.showMessageBox(opts));
}

export function menuTemplate(window: () => BrowserWindow | undefined, dev: boolean): MenuItemConstructorOptions[] {
  const mac = process.platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: 'About dstack', click: () => showAbout(window()) };
  return [
    ...(mac
      ? [{ label: app.name, submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] } as MenuItemConstructorOptions]
      : []),
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(dev ? [{ role: 'toggleDevTools' } as MenuItemConstructorOptions] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'Documentation', click: () => void openExternalSafely(DOCS_URL) }, ...(mac ? [] : [{ type: 'separator' } as MenuItemConstructorOptions, about])],
    },
  ];
}

export function installMenu(window: () => BrowserWindow | undefined, dev: boolean): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(window, dev)));
}
