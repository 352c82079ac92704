/**
 * The admin page lists the audit log newest first, and the log only grows
 * (one row per admin action, kept): an index on the time keeps that page
 * from scanning the whole table as a team's hub ages.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

export const auditByTime: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('hub_audit_at').on('hub_audit').columns(['at', 'id']).execute();
  },
};
