/**
 * Brings the hub's database to this release's schema at start, with
 * kysely's Migrator (it holds a lock, so hub processes starting together on
 * one Postgres migrate once). A database that a newer hub already migrated
 * is refused by name instead of being half-understood.
 */
import { sql } from 'kysely';
import { Migrator } from 'kysely';
import { DstackError } from '../../common/errors';
import type { HubDb } from './connect';
import { hubMigrationProvider, hubMigrations } from './migrations/index';

/** The table in which kysely records the migrations it ran. */
export const MIGRATION_TABLE = 'hub_migration';

export function hubMigrator(hub: Pick<HubDb, 'db' | 'kind'>): Migrator {
  return new Migrator({
    db: hub.db,
    provider: hubMigrationProvider(hub.kind),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
}

/** Runs every pending migration; throws a DstackError naming what went wrong. */
export async function migrateHubDb(hub: HubDb): Promise<void> {
  const { error } = await hubMigrator(hub).migrateToLatest();
  if (error === undefined) return;
  const unknown = await unknownMigrations(hub);
  if (unknown.length > 0) {
    throw new DstackError('config', `The hub's database ${hub.shown} was migrated by a newer dstack hub (migration ${unknown.join(', ')}), which this hub does not know.`, {
      fix: 'Run the newer dstack hub that migrated it (upgrade this one), or point --database at another database.',
      details: { unknown },
    });
  }
  throw unavailable(hub, error);
}

/** A database error at start, as one sentence naming the database (its password masked). */
export function unavailable(hub: Pick<HubDb, 'shown'>, error: unknown): DstackError {
  const reason = error instanceof Error ? (error.message || (error as NodeJS.ErrnoException).code || error.name) : String(error);
  return new DstackError('unavailable', `The hub cannot use its database ${hub.shown}: ${reason}.`, {
    fix: 'Check that the database is running and reachable, and that --database names it with a user allowed to create tables.',
    cause: error,
  });
}

async function unknownMigrations(hub: HubDb): Promise<string[]> {
  const known = new Set(Object.keys(hubMigrations(hub.kind)));
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(hub.db);
    return rows.map((r) => r.name).filter((name) => !known.has(name)).sort();
  } catch {
    return [];
  }
}
