/**
 * The team hub's records as its API shows them, shared by the hub's store
 * and server (main/hub/) and the hub's page (renderer/src/hub/), so the two
 * sides cannot drift apart. Credentials never appear: a project says only
 * whether it has them.
 */
import type { BackendName } from './backends';

/** What a member may do in a project; `admin` of the hub is a user flag, not a project role. */
export type ProjectRole = 'read' | 'run' | 'admin';

export interface HubUser {
  id: string;
  name: string;
  /** A hub administrator: manages users, projects and members. */
  admin: boolean;
  createdAt: number;
  revokedAt?: number;
}

/** A project's backend settings as the API shows them: never the credentials. */
export interface HubProject {
  name: string;
  backend: BackendName;
  /** Region, bucket, subnet, project id…: whatever the backend's config needs, minus secrets. */
  settings: Record<string, string>;
  /** Whether credentials are stored (their values never leave the store but to the backend factory). */
  hasCredentials: boolean;
  createdAt: number;
}

export interface HubMember {
  project: string;
  user: string;
  role: ProjectRole;
}

export interface AuditEntry {
  at: number;
  /** The user name who did it. */
  actor: string;
  /** e.g. `users.create`, `projects.update`, `members.set`. */
  action: string;
  /** What it was done to: a user or project name, never a secret. */
  target: string;
}

/** A new token, shown once to whoever asked for it. */
export interface IssuedToken {
  user: HubUser;
  token: string;
}
