/**
 * Small pieces every part of the SQL store shares: name checks, the audit
 * append (always inside the caller's transaction), row mapping, and telling
 * a constraint violation apart on SQLite and Postgres.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { InvalidArgumentError } from '../common/errors';
import type { HubDatabase, UsersTable } from './db/schema';
import type { HubUser, ProjectRole } from './store';

export type Db = Kysely<HubDatabase> | Transaction<HubDatabase>;

/** The actor of what the hub does by itself (the first admin); parentheses keep it apart from any user name. */
export const HUB_ACTOR = '(hub)';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ROLES: readonly ProjectRole[] = ['read', 'run', 'admin'];

/** User and project names end up in URLs, audit rows and messages: letters, digits, `.`, `_`, `-`. */
export function checkName(what: 'user' | 'project', name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(
      `"${String(name).slice(0, 80)}" is not a valid ${what} name.`,
      `A ${what} name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
    );
  }
}

export function checkRole(role: string): asserts role is ProjectRole {
  if (!ROLES.includes(role as ProjectRole)) {
    throw new InvalidArgumentError(`"${String(role).slice(0, 40)}" is not a project role.`, `Use one of: ${ROLES.join(', ')}.`);
  }
}

/** Settings and credentials are flat string maps; anything else is refused naming the field. */
export function checkStrings(what: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(`The project's ${what} must be an object of strings.`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new InvalidArgumentError(`The project's ${what} field "${key}" must be a string, not ${v === null ? 'null' : typeof v}.`);
  }
  return value as Record<string, string>;
}

/** One audit row, written in the same transaction as the action it records. */
export async function appendAudit(trx: Transaction<HubDatabase>, actor: string, action: string, target: string): Promise<void> {
  await trx.insertInto('hub_audit').values({ at: Date.now(), actor, action, target }).execute();
}

export function toUser(row: Selectable<UsersTable>): HubUser {
  const user: HubUser = { id: row.id, name: row.name, admin: row.admin === 1, createdAt: Number(row.created_at) };
  if (row.revoked_at !== null) user.revokedAt = Number(row.revoked_at);
  return user;
}

/** Rows an insert/update/delete touched, whatever the driver's number type. */
export function affected(n: bigint | number | undefined): number {
  return Number(n ?? 0);
}

/** A foreign key violation: an insert named a project or user that does not exist (any more). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
