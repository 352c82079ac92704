/**
 * The desktop app's lifecycle: one instance (a second launch focuses the
 * first window), session hardening before any page loads, the service and
 * its IPC transport, one window whose place is remembered, the menu, and a
 * clean shutdown that cancels downloads and stops pollers. Started with
 * `--dstack-runner` or `--dstack-cli` (node/launch.ts), the same binary runs
 * that program instead, with no window, no lock and no session: that is how
 * the packaged app starts its detached runners now that its RunAsNode fuse
 * is off (the Electron main process is a full Node runtime).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserWindow } from 'electron';
import { app, session } from 'electron';
import { dstackHome } from '../node/home';
import type { Program } from '../node/launch';
import { programOf } from '../node/launch';
import { ApiService } from '../service/api';
import { lazyHubLink } from '../service/hub-link';
import { electronHost } from './host';
import { clientIdOf, registerIpc } from './ipc';
import { installMenu } from './menu';
import { appLocation } from './origin';
import { hardenSession, registerAppScheme } from './session';
import { createWindow, lockDownContents } from './window';
import { savedBounds, trackBounds } from './window-state';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs one of our programs in this process: its entry module starts it on
 * import and exits the process when it is done, with its own exit code.
 */
async function runProgram(program: Program, args: string[]): Promise<void> {
  // A runner is no app: no Dock icon on macOS for each running job.
  app.dock?.hide();
  // The entries read their arguments from argv[2] on, as under Node.
  process.argv = [process.execPath, program, ...args];
  if (program === 'runner') await import('../runner/entry');
  else await import('../cli/main');
}

export function startApp(): void {
  const run = programOf(process.argv);
  if (run) {
    void runProgram(run.program, run.args).catch((err: unknown) => {
      process.stderr.write(`dstack ${run.program}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
    return;
  }
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const dev = !app.isPackaged && !!process.env.ELECTRON_RENDERER_URL;
  const location = appLocation(dev ? process.env.ELECTRON_RENDERER_URL : undefined);
  const iconPath = join(app.getAppPath(), 'assets', 'icon.png');
  let win: BrowserWindow | undefined;
  const current = (): BrowserWindow | undefined => (win && !win.isDestroyed() ? win : undefined);
  // The CLI's hub client, so the wizard's team hub and `dstack config hub` share one connection and one keychain entry.
  const hubLink = lazyHubLink(async () => (await import('../cli/hub-link')).cliHubLink());
  const service = new ApiService({ home: dstackHome(), version: app.getVersion(), host: electronHost(current, iconPath), hubLink });

  app.on('second-instance', () => {
    const w = current();
    if (!w) return;
    if (w.isMinimized()) w.restore();
    w.focus();
  });
  // Every web contents, including any a bug might create, gets the same navigation lock.
  app.on('web-contents-created', (_e, contents) => lockDownContents(contents, location.origin));

  const open = async (): Promise<void> => {
    const bounds = await savedBounds(service.ctx.state);
    win = createWindow({ preload: join(here, '..', 'preload', 'index.cjs'), url: location.url, origin: location.origin, bounds, icon: iconPath });
    const clientId = clientIdOf(win);
    trackBounds(win, service.ctx.state);
    win.on('closed', () => {
      service.disconnect(clientId);
      win = undefined;
    });
  };

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession, { rendererDir: join(here, '..', 'renderer'), ...(dev ? { devServer: location.origin } : {}) });
    registerIpc(service, current, location.origin);
    installMenu(current, dev);
    void service.ctx.cache.sweep().catch(() => undefined);
    await open();
    app.on('activate', () => void (current() ? undefined : open()));
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => void service.dispose());
}
