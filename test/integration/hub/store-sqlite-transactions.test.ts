// Two processes on one SQLite file: a hub transaction that reads and then
// writes must not fail because another process wrote in between. The
// hub's SQLite transactions take the write lock when they begin, so the
// other writer waits (here: is told busy at once) instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openHubDb } from '../../../main/hub/db/connect';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('a read-then-write hub transaction on SQLite commits although another connection tries to write meanwhile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-hub-sqlite-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'hub.db');
  const hub = await openHubDb({ kind: 'sqlite', path });
  cleanup.push(() => hub.db.destroy());
  await hub.db.schema.createTable('t').addColumn('v', 'text').execute();
  // The other process: its own connection, told "busy" at once instead of waiting (one thread here).
  const other = new BetterSqlite3(path, { timeout: 0 });
  cleanup.push(async () => void other.close());

  let otherSaw = 'wrote';
  await (hub.db as never as Kysely<{ t: { v: string } }>).transaction().execute(async (trx) => {
    await trx.selectFrom('t').selectAll().execute();
    try {
      other.prepare("insert into t (v) values ('other')").run();
    } catch (err) {
      otherSaw = (err as { code?: string }).code ?? String(err);
    }
    await trx.insertInto('t').values({ v: 'hub' }).execute();
  });
  expect(otherSaw).toBe('SQLITE_BUSY');
  expect(other.prepare('select v from t').all()).toEqual([{ v: 'hub' }]);
});
