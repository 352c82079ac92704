/**
 * The IPC transport: one `ipcMain.handle` per operation on `api:{op}`. A
 * call is served only when it comes from the top frame of our own window
 * with our own origin; anything else (another window, an iframe, a page
 * that navigated away) is refused. Results and errors travel as an
 * Envelope, so a typed error keeps its code and fix across the bridge.
 */
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { ipcMain } from 'electron';
import { channelOf, EVENT_CHANNEL } from '../common/api/bridge';
import type { Envelope } from '../common/api/operations';
import { OPERATION_NAMES } from '../common/api/operations';
import { DstackError, toDstackError } from '../common/errors';
import type { ApiService } from '../service/api';
import { originOf } from './origin';

/** Whether an IPC event comes from the top frame of `win`, showing a page of `appOrigin`. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, win: BrowserWindow | undefined, appOrigin: string): boolean {
  if (!win || win.isDestroyed() || event.sender !== win.webContents) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  return originOf(frame.url) === appOrigin;
}

/** The client id of a window, so its subscriptions end when it closes. */
export function clientIdOf(win: BrowserWindow): string {
  return `window-${win.webContents.id}`;
}

/** Registers every operation's handler; returns the function that removes them. */
export function registerIpc(service: ApiService, window: () => BrowserWindow | undefined, appOrigin: string): () => void {
  for (const op of OPERATION_NAMES) {
    ipcMain.handle(channelOf(op), async (event, input: unknown): Promise<Envelope<unknown>> => {
      const win = window();
      if (!isTrustedSender(event, win, appOrigin)) {
        return { error: new DstackError('permission', 'This page may not call the dstack API.').toJSON() };
      }
      try {
        return { result: (await service.call(op, input, { clientId: clientIdOf(win as BrowserWindow) })) ?? null };
      } catch (err) {
        return { error: toDstackError(err).toJSON() };
      }
    });
  }
  const stop = service.hub.listen((event, payload, clientId) => {
    const win = window();
    if (!win || win.isDestroyed() || (clientId && clientId !== clientIdOf(win))) return;
    win.webContents.send(EVENT_CHANNEL, event, payload);
  });
  return () => {
    stop();
    for (const op of OPERATION_NAMES) ipcMain.removeHandler(channelOf(op));
  };
}
