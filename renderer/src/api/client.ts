/**
 * Picks the transport once at startup: inside Electron the preload has put
 * `window.dstack` there; in a browser opened from `dstack server` it has not.
 * The rest of the UI sees only `ApiClient` and never knows which it got.
 */
import type { ApiClient } from '../../../main/common/api/operations';
import { HttpClient } from './http-client';
import { IpcClient } from './ipc-client';
import type { DstackBridge } from '../../../main/common/api/bridge';

declare global {
  interface Window {
    dstack?: DstackBridge;
  }
}

export function createClient(): ApiClient {
  return window.dstack ? new IpcClient(window.dstack) : new HttpClient();
}
