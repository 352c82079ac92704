/**
 * The hub's tables as kysely sees them, after every migration in
 * `migrations/`. One type for both databases: times are milliseconds since
 * the epoch (Postgres `bigint`, read back as numbers), flags are 0/1 integers
 * and settings are JSON text, so SQLite and Postgres rows look the same.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  name: string;
  admin: number;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ProjectsTable {
  name: string;
  backend: string;
  /** JSON object of strings: region, bucket… never credentials. */
  settings: string;
  /** The credentials' JSON sealed by the hub's SecretBox, or null. */
  credentials: string | null;
  created_at: number;
  updated_at: number;
}

export interface MembersTable {
  project: string;
  user_id: string;
  role: string;
}

export interface RunNamesTable {
  project: string;
  run_name: string;
  claimed_at: number;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
}

/** Single rows the hub claims once: the bootstrap, the key check. */
export interface MetaTable {
  key: string;
  value: string;
}

export interface HubDatabase {
  hub_users: UsersTable;
  hub_projects: ProjectsTable;
  hub_members: MembersTable;
  hub_run_names: RunNamesTable;
  hub_audit: AuditTable;
  hub_meta: MetaTable;
}
