/**
 * The hub's own answers as its page sees them (main/hub/store.ts has the
 * server's side; the renderer imports only main/common). Credentials never
 * appear: a project says only whether it has them.
 */
import type { BackendName } from '../../../main/common/backends';

export type ProjectRole = 'read' | 'run' | 'admin';

export interface HubUser {
  id: string;
  name: string;
  admin: boolean;
  createdAt: number;
  revokedAt?: number;
}

export interface HubProject {
  name: string;
  backend: BackendName;
  settings: Record<string, string>;
  hasCredentials: boolean;
  createdAt: number;
}

/** A project as `me` lists it: with the caller's role there. */
export interface MyProject extends HubProject {
  role: ProjectRole;
}

export interface Me {
  user: HubUser;
  projects: MyProject[];
}

export interface HubMember {
  project: string;
  user: string;
  role: ProjectRole;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
}

/** A new token, shown once. */
export interface IssuedToken {
  user: HubUser;
  token: string;
}
