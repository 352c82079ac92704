/**
 * What the team hub keeps: users and their tokens, projects with their
 * backend settings, who may do what in which project, the run names handed
 * out, and the audit log. One interface over two databases (SQLite by
 * default, Postgres for several hub processes), so the hub's server and
 * background work never learn which one is underneath.
 *
 * Tokens are never stored: only their hash. Stored cloud credentials are
 * write-only: the store encrypts them on the way in, and only the hub's own
 * backend factory ever gets them back (`projectCredentials`), never the API.
 */
import type { BackendName } from '../common/backends';
import type { AuditEntry, HubMember, HubProject, HubUser, IssuedToken, ProjectRole } from '../common/hub';

export type { AuditEntry, HubMember, HubProject, HubUser, IssuedToken, ProjectRole } from '../common/hub';

export interface HubStore {
  /** Creates the hub's first admin when there is no user yet; undefined when one exists (the token is shown only once). */
  bootstrapAdmin(name: string): Promise<IssuedToken | undefined>;
  createUser(actor: string, name: string, opts?: { admin?: boolean }): Promise<IssuedToken>;
  listUsers(): Promise<HubUser[]>;
  /** A new token for the user; the old one stops working at once. */
  rotateToken(actor: string, name: string): Promise<IssuedToken>;
  revokeUser(actor: string, name: string): Promise<void>;
  /** The user a bearer token belongs to, compared in constant time; undefined for unknown or revoked tokens. */
  authenticate(token: string): Promise<HubUser | undefined>;

  createProject(actor: string, project: { name: string; backend: BackendName; settings: Record<string, string>; credentials?: Record<string, string> }): Promise<HubProject>;
  updateProject(actor: string, name: string, patch: { settings?: Record<string, string>; credentials?: Record<string, string> }): Promise<HubProject>;
  deleteProject(actor: string, name: string): Promise<void>;
  getProject(name: string): Promise<HubProject | undefined>;
  listProjects(): Promise<HubProject[]>;
  /** Decrypted credentials, for building the project's backend inside the hub only. */
  projectCredentials(name: string): Promise<Record<string, string> | undefined>;

  setMember(actor: string, member: HubMember): Promise<void>;
  removeMember(actor: string, project: string, user: string): Promise<void>;
  members(project: string): Promise<HubMember[]>;
  /** The user's role in the project, or undefined for a non-member. */
  roleOf(user: string, project: string): Promise<ProjectRole | undefined>;

  /** Claims a run name in a project; false when another hub process (or call) has it. An insert under a unique key, never read-then-write. */
  claimRunName(project: string, runName: string): Promise<boolean>;

  audit(opts?: { limit?: number }): Promise<AuditEntry[]>;
  close(): Promise<void>;
}
