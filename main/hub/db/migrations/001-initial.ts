/**
 * The hub's first schema. Every uniqueness the hub relies on is a
 * constraint here, so concurrent hub processes are kept apart by the
 * database, never by a read before a write: user names, token hashes,
 * project names, one role per member, one claim per run name.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';
import type { DialectKind } from '../dialect-kind';

export function initialSchema(kind: DialectKind): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('hub_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('admin', 'integer', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('hub_projects')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('backend', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('credentials', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('hub_members')
        .addColumn('project', 'text', (c) => c.notNull().references('hub_projects.name').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('hub_users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('hub_members_pk', ['project', 'user_id'])
        .execute();
      await db.schema
        .createTable('hub_run_names')
        .addColumn('project', 'text', (c) => c.notNull().references('hub_projects.name').onDelete('cascade'))
        .addColumn('run_name', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('hub_run_names_pk', ['project', 'run_name'])
        .execute();
      await db.schema
        .createTable('hub_audit')
        .addColumn('id', kind === 'postgres' ? 'bigserial' : 'integer', (c) => (kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('hub_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
