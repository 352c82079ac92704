// Migrations at start, on SQLite and Postgres: a database the previous
// release left (only 001, with users, projects, members and audit rows in
// it) is brought forward with nothing lost, and a database that a newer hub
// migrated is refused by the migration's name.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openHubDb, parseDatabaseOption } from '../../../main/hub/db/connect';
import { hubMigrator, MIGRATION_TABLE } from '../../../main/hub/db/migrate';
import { hubMigrations } from '../../../main/hub/db/migrations/index';
import type { Place } from './store-places';
import { DIALECTS, usePlaces } from './store-places';

const place = usePlaces();

async function withDb<T>(p: Place, fn: (hub: Awaited<ReturnType<typeof openHubDb>>) => Promise<T>): Promise<T> {
  const hub = await openHubDb(parseDatabaseOption(p.database, p.home));
  try {
    return await fn(hub);
  } finally {
    await hub.db.destroy();
  }
}

async function indexNames(p: Place): Promise<string[]> {
  return withDb(p, async (hub) => {
    const q = hub.kind === 'postgres' ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'hub_audit'` : sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'hub_audit'`;
    return (await q.execute(hub.db)).rows.map((r) => r.name);
  });
}

describe.each(DIALECTS)('hub store migrations on %s', (dialect) => {
  it('brings a database of the previous release (001 only, with data) forward, losing nothing', async () => {
    const p = await place(dialect);
    const token = `dsh_${'A'.repeat(43)}`;
    await withDb(p, async (hub) => {
      const { error } = await hubMigrator(hub).migrateTo('001-initial');
      expect(error).toBeUndefined();
      // Rows as the previous release wrote them.
      await hub.db.insertInto('hub_users').values({ id: 'u1', name: 'olduser', admin: 1, token_hash: createHash('sha256').update(token).digest('hex'), created_at: 1_700_000_000_000, revoked_at: null }).execute();
      await hub.db.insertInto('hub_projects').values({ name: 'oldproj', backend: 'local', settings: '{"region":"r1"}', credentials: null, created_at: 1_700_000_000_000, updated_at: 1_700_000_000_000 }).execute();
      await hub.db.insertInto('hub_members').values({ project: 'oldproj', user_id: 'u1', role: 'run' }).execute();
      await hub.db.insertInto('hub_run_names').values({ project: 'oldproj', run_name: 'old-run-1', claimed_at: 1_700_000_000_000 }).execute();
      await hub.db.insertInto('hub_audit').values({ at: 1_700_000_000_000, actor: 'olduser', action: 'projects.create', target: 'oldproj' }).execute();
    });
    expect(await indexNames(p)).not.toContain('hub_audit_at');

    const store = await p.open();
    expect(await indexNames(p)).toContain('hub_audit_at');
    expect(await withDb(p, async (hub) => (await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(hub.db)).rows.map((r) => r.name))).toEqual(Object.keys(hubMigrations(p.dialect)));
    expect(await store.authenticate(token)).toMatchObject({ name: 'olduser', admin: true, createdAt: 1_700_000_000_000 });
    expect(await store.getProject('oldproj')).toMatchObject({ settings: { region: 'r1' }, hasCredentials: false, createdAt: 1_700_000_000_000 });
    expect(await store.roleOf('olduser', 'oldproj')).toBe('run');
    expect(await store.claimRunName('oldproj', 'old-run-1')).toBe(false);
    expect(await store.bootstrapAdmin('newadmin')).toBeUndefined();
    await store.createUser('olduser', 'newuser');
    expect((await store.audit()).map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual(['olduser users.create newuser', 'olduser projects.create oldproj']);
  });

  it('refuses a database that a newer hub migrated, naming the migration it does not know', async () => {
    const p = await place(dialect);
    await withDb(p, async (hub) => {
      const future = new Migrator({
        db: hub.db,
        provider: { getMigrations: async () => ({ ...hubMigrations(hub.kind), '003-from-a-newer-hub': { up: async () => undefined } }) },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: `${MIGRATION_TABLE}_lock`,
      });
      expect((await future.migrateToLatest()).error).toBeUndefined();
    });
    await expect(p.open()).rejects.toMatchObject({
      code: 'config',
      message: expect.stringContaining('was migrated by a newer dstack hub (migration 003-from-a-newer-hub)'),
      fix: expect.stringContaining('upgrade'),
    });
  });
});
