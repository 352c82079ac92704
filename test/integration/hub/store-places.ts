/**
 * Where the hub store tests put a store: a fresh DSTACK_HOME with the
 * default SQLite file, or a fresh database on the file's one real Postgres
 * cluster (started once per test file). Every store and home a test opens
 * is closed and removed after it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { OpenHubStoreOptions, SqlHubStore } from '../../../main/hub/sql-store';
import { openHubStore } from '../../../main/hub/sql-store';
import type { PostgresCluster } from '../../helpers/postgres';
import { startPostgres } from '../../helpers/postgres';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface Place {
  dialect: Dialect;
  home: string;
  /** `--database`: undefined for the default SQLite file. */
  database: string | undefined;
  /** Opens (and migrates) a store here; closed after the test. */
  open(opts?: Partial<OpenHubStoreOptions>): Promise<SqlHubStore>;
}

/** Registers the hooks: one Postgres cluster for the file, cleanup after each test. Returns the place maker. */
export function usePlaces(): (dialect: Dialect) => Promise<Place> {
  let cluster: PostgresCluster | undefined;
  const stores: SqlHubStore[] = [];
  const homes: string[] = [];
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
    await Promise.all(homes.splice(0).map((h) => rm(h, { recursive: true, force: true })));
  });
  return async (dialect) => {
    const home = await mkdtemp(join(tmpdir(), 'dstack-hub-'));
    homes.push(home);
    if (dialect === 'postgres' && !cluster) throw new Error('The Postgres cluster did not start (see beforeAll).');
    const database = dialect === 'postgres' ? await cluster!.newDatabase() : undefined;
    return {
      dialect,
      home,
      database,
      async open(opts = {}) {
        const store = await openHubStore({ home, database, env: {}, ...opts });
        stores.push(store);
        return store;
      },
    };
  };
}
