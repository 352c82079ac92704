/**
 * The preload: the only bridge between the sandboxed page and `main/`. It
 * exposes `window.dstack` (see `main/common/api/bridge.ts`): one function
 * per operation, each invoking the IPC channel `api:{op}`, plus `on` for
 * events. Nothing else of Electron or Node reaches the page. Built as
 * CommonJS, because a sandboxed preload cannot be an ES module.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { DstackBridge } from '../main/common/api/bridge';
import { channelOf, EVENT_CHANNEL } from '../main/common/api/bridge';
import type { ApiEvents, EventName } from '../main/common/api/operations';
import { EVENT_NAMES, OPERATION_NAMES } from '../main/common/api/operations';

const api: Record<string, unknown> = {};
for (const op of OPERATION_NAMES) api[op] = (input: unknown) => ipcRenderer.invoke(channelOf(op), input);

api.on = <E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): (() => void) => {
  if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`Unknown event "${String(event)}".`);
  const handler = (_e: IpcRendererEvent, name: string, payload: ApiEvents[E]): void => {
    if (name === event) listener(payload);
  };
  ipcRenderer.on(EVENT_CHANNEL, handler);
  return () => void ipcRenderer.removeListener(EVENT_CHANNEL, handler);
};

contextBridge.exposeInMainWorld('dstack', api as DstackBridge);
