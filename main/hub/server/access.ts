/**
 * Who may do what on the hub. Every refusal is a {@link HubAccessError}
 * with its own HTTP status, so a 401/403 can only come from here, never
 * from a cloud's own permission error inside an operation. A project the
 * caller is not a member of is "not found", exactly like one that does not
 * exist: nobody learns another team's project names by probing.
 */
import { DstackError } from '../../common/errors';
import type { ErrorCode } from '../../common/errors';
import type { HubStore, HubUser, ProjectRole } from '../store';

/** A refusal by the hub itself: no or a bad token (401), a project hidden or absent (404), a role too weak (403). */
export class HubAccessError extends DstackError {
  constructor(
    readonly status: 401 | 403 | 404,
    code: ErrorCode,
    message: string,
    fix: string,
  ) {
    super(code, message, { fix });
    this.name = 'HubAccessError';
  }
}

export function unauthorized(): HubAccessError {
  return new HubAccessError(
    401,
    'credentials',
    'Unauthorized: the request has no valid hub token (none was sent, or it was revoked or replaced).',
    'Send `Authorization: Bearer <token>` with the token the hub admin gave you; ask them for a new one if it stopped working.',
  );
}

export function projectNotFound(project: string): HubAccessError {
  return new HubAccessError(404, 'not_found', `Project "${project}" not found.`, 'Check the name, or ask the hub admin to add you to the project.');
}

/** 403 naming the role the call needs, so the member knows whom to ask for what. */
export function forbidden(need: ProjectRole | 'hub-admin', project?: string): HubAccessError {
  const what = need === 'hub-admin' ? 'a hub admin' : `the "${need}" role in project "${project}"`;
  return new HubAccessError(403, 'permission', `Forbidden: this needs ${what}.`, need === 'hub-admin' ? 'Ask a hub admin to do it.' : `Ask an admin of "${project}" for the ${need} role.`);
}

const RANK: Record<ProjectRole, number> = { read: 1, run: 2, admin: 3 };

/** Whether a member's role covers the role an operation needs. */
export function roleCovers(have: ProjectRole, need: ProjectRole): boolean {
  return RANK[have] >= RANK[need];
}

/** The caller's role in a project: a hub admin is an admin of every project; a non-member gets 404 as if it did not exist. */
export async function roleIn(store: HubStore, user: HubUser, project: string): Promise<ProjectRole> {
  if (user.admin) {
    if (!(await store.getProject(project))) throw projectNotFound(project);
    return 'admin';
  }
  const role = await store.roleOf(user.name, project);
  if (!role) throw projectNotFound(project);
  return role;
}

/** Checks the caller may act as `need` in `project`: 404 for a non-member first, then 403 naming the role. */
export async function requireRole(store: HubStore, user: HubUser, project: string, need: ProjectRole): Promise<ProjectRole> {
  const role = await roleIn(store, user, project);
  if (!roleCovers(role, need)) throw forbidden(need, project);
  return role;
}

export function requireHubAdmin(user: HubUser): void {
  if (!user.admin) throw forbidden('hub-admin');
}

/** The user behind `Authorization: Bearer …`; 401 for none, an unknown or a revoked token. */
export async function authenticate(store: HubStore, authorization: string | undefined): Promise<HubUser> {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
  const user = token ? await store.authenticate(token) : undefined;
  if (!user || user.revokedAt !== undefined) throw unauthorized();
  return user;
}
