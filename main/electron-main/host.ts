/**
 * The service's Host in the desktop app: native dialogs, drag-out, "Show in
 * folder" and notifications. `startDrag` is given only paths the service
 * resolved inside the drag cache (see `service/drag-cache.ts`): a file, or
 * a folder, which Electron drags as a whole.
 */
import { join } from 'node:path';
import type { BrowserWindow } from 'electron';
import { app, dialog, nativeImage, Notification, shell } from 'electron';
import type { Host } from '../service/host';

export function electronHost(window: () => BrowserWindow | undefined, iconPath: string): Host {
  return {
    transport: 'ipc',
    async pickFolder() {
      const win = window();
      const opts = { title: 'Open a dstack project', properties: ['openDirectory' as const] };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? undefined : r.filePaths[0];
    },
    async pickSavePath(defaultName) {
      const win = window();
      const opts = { defaultPath: join(app.getPath('downloads'), defaultName) };
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      return r.canceled ? undefined : r.filePath;
    },
    downloadsDir: () => app.getPath('downloads'),
    startDrag(path) {
      // macOS refuses a drag without an icon, so one is always given.
      window()?.webContents.startDrag({ file: path, icon: nativeImage.createFromPath(iconPath).resize({ width: 32, height: 32 }) });
    },
    reveal: (path) => shell.showItemInFolder(path),
    notify(title, body) {
      if (Notification.isSupported()) new Notification({ title, body, silent: false }).show();
    },
  };
}
