/**
 * Every migration, in code rather than files read at run time, so that the
 * bundled CLI (one file, no migrations folder beside it) migrates too.
 * Names sort in the order they run; a release only ever appends.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { DialectKind } from '../dialect-kind';
import { initialSchema } from './001-initial';
import { auditByTime } from './002-audit-by-time';

export function hubMigrations(kind: DialectKind): Record<string, Migration> {
  return {
    '001-initial': initialSchema(kind),
    '002-audit-by-time': auditByTime,
  };
}

/** kysely's Migrator asks a provider for the migrations; this one never touches the file system. */
export function hubMigrationProvider(kind: DialectKind): MigrationProvider {
  return { getMigrations: async () => hubMigrations(kind) };
}
