// A team hub in-process on a free port, on the real SQLite store in a
// temporary DSTACK_HOME, with a caller that speaks its API over real HTTP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningHub } from '../../../main/hub/server/hub-server';
import { startHub } from '../../../main/hub/server/hub-server';
import { openHubStore } from '../../../main/hub/sql-store';
import type { HubStore } from '../../../main/hub/store';

export interface HubResponse {
  status: number;
  body: { result?: unknown; error?: { code: string; message: string; fix?: string; details?: unknown } };
}

export interface HubHarness {
  hub: RunningHub;
  store: HubStore;
  home: string;
  base: string;
  adminToken: string;
  /** POST `path` (under /api/v1/) with a JSON body and, when given, a bearer token. */
  post(path: string, input: unknown, token?: string, headers?: Record<string, string>): Promise<HubResponse>;
  close(): Promise<void>;
}

export async function startHubHarness(opts: { reconcileEveryMs?: number; maxCodeBytes?: number } = {}): Promise<HubHarness> {
  const home = await mkdtemp(join(tmpdir(), 'dstack-hub-'));
  const store = await openHubStore({ home });
  const admin = await store.bootstrapAdmin('admin');
  if (!admin) throw new Error('bootstrapAdmin gave no token on an empty store');
  const hub = await startHub({ store, home, version: '0.1.0', port: 0, ...(opts.reconcileEveryMs ? { reconcileEveryMs: opts.reconcileEveryMs } : {}), ...(opts.maxCodeBytes ? { maxCodeBytes: opts.maxCodeBytes } : {}) });
  const base = `http://127.0.0.1:${hub.port}/api/v1/`;
  return {
    hub,
    store,
    home,
    base,
    adminToken: admin.token,
    async post(path, input, token, headers = {}) {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify(input ?? {}),
      });
      const text = await res.text();
      let body: HubResponse['body'];
      try {
        body = JSON.parse(text) as HubResponse['body'];
      } catch {
        throw new Error(`POST ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
      }
      return { status: res.status, body };
    },
    async close() {
      await hub.close();
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
