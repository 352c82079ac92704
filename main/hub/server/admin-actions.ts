/**
 * The hub's own endpoints, `POST /api/v1/{action}`: users, projects,
 * members and the audit log, plus `me` (who the token is and what it may
 * see). Each action has its input schema (zod, like the contract's) and the
 * role it needs written next to it; a project-scoped action names its
 * project in the input and gets the same 404-before-403 check as a
 * project's operations. Credentials go in and never come out: the store's
 * HubProject has only `hasCredentials`.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../../common/backends';
import { InvalidArgumentError } from '../../common/errors';
import type { HubStore, HubUser, ProjectRole } from '../store';
import { HubAccessError, requireHubAdmin, requireRole, roleIn } from './access';
import type { ProjectServices } from './project-services';

/** Project and user names: they become folder names and URL segments. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = z.string().regex(NAME, 'must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit');

/** Setting keys that would hold a secret belong in `credentials`, which the API never returns. */
const SECRET_KEY = /secret|password|token|credential|private|access.?key/i;
const settings = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.string().max(1024))
  .refine((s) => !Object.keys(s).some((k) => SECRET_KEY.test(k)), 'must not hold secrets: put keys in `credentials`, which the hub never returns');
const credentials = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.string().max(8192));
const none = z.undefined().or(z.null()).or(z.object({}).strict());
const role = z.enum(['read', 'run', 'admin']);

export interface AdminContext {
  store: HubStore;
  services: ProjectServices;
  user: HubUser;
}

/** Who may call an action: a hub admin, any user with a valid token, or a role in the project the input names. */
type Need = 'hub-admin' | 'user' | ProjectRole;

interface Action<S extends z.ZodType> {
  need: Need;
  schema: S;
  /** The project a project-scoped action acts on. */
  project?: (input: z.infer<S>) => string;
  run(ctx: AdminContext, input: z.infer<S>): Promise<unknown>;
}

const action = <S extends z.ZodType>(a: Action<S>): Action<S> => a;

export const ADMIN_ACTIONS = {
  me: action({
    need: 'user',
    schema: none,
    run: async ({ store, user }) => ({ user, projects: await visibleProjects(store, user) }),
  }),
  'users.create': action({
    need: 'hub-admin',
    schema: z.object({ name, admin: z.boolean().optional() }).strict(),
    run: ({ store, user }, i) => store.createUser(user.name, i.name, { admin: i.admin ?? false }),
  }),
  'users.list': action({ need: 'hub-admin', schema: none, run: ({ store }) => store.listUsers() }),
  'users.rotate': action({
    need: 'hub-admin',
    schema: z.object({ name }).strict(),
    run: ({ store, user }, i) => store.rotateToken(user.name, i.name),
  }),
  'users.revoke': action({
    need: 'hub-admin',
    schema: z.object({ name }).strict(),
    run: ({ store, user }, i) => store.revokeUser(user.name, i.name),
  }),
  'projects.create': action({
    need: 'hub-admin',
    schema: z.object({ name, backend: z.enum(BACKEND_NAMES), settings: settings.optional(), credentials: credentials.optional() }).strict(),
    run: ({ store, user }, i) =>
      store.createProject(user.name, { name: i.name, backend: i.backend, settings: i.settings ?? {}, ...(i.credentials ? { credentials: i.credentials } : {}) }),
  }),
  'projects.list': action({ need: 'user', schema: none, run: ({ store, user }) => visibleProjects(store, user) }),
  'projects.get': action({
    need: 'read',
    schema: z.object({ name }).strict(),
    project: (i) => i.name,
    run: async ({ store }, i) => store.getProject(i.name),
  }),
  'projects.update': action({
    need: 'admin',
    schema: z.object({ name, settings: settings.optional(), credentials: credentials.optional() }).strict(),
    project: (i) => i.name,
    run: async ({ store, services, user }, i) => {
      const current = await store.getProject(i.name);
      if (!user.admin && current && current.backend !== 'local' && !current.hasCredentials && !i.credentials) {
        // Without keys of its own the project runs as the hub machine's cloud identity: its bucket or profile steers that identity, a hub admin's call.
        throw new HubAccessError(403, 'permission', `Forbidden: "${i.name}" has no stored keys, so it runs as the hub's own cloud identity, and only a hub admin changes it.`, 'Store the project\'s own keys in the same update (credentials), or ask a hub admin.');
      }
      const updated = await store.updateProject(user.name, i.name, { ...(i.settings ? { settings: i.settings } : {}), ...(i.credentials ? { credentials: i.credentials } : {}) });
      await services.drop(i.name);
      return updated;
    },
  }),
  'projects.delete': action({
    need: 'hub-admin',
    schema: z.object({ name }).strict(),
    run: async ({ store, services, user }, i) => {
      await store.deleteProject(user.name, i.name);
      await services.drop(i.name);
    },
  }),
  'members.set': action({
    need: 'hub-admin',
    schema: z.object({ project: name, user: name, role }).strict(),
    run: ({ store, user }, i) => store.setMember(user.name, i),
  }),
  'members.remove': action({
    need: 'hub-admin',
    schema: z.object({ project: name, user: name }).strict(),
    run: ({ store, user }, i) => store.removeMember(user.name, i.project, i.user),
  }),
  'members.list': action({
    need: 'admin',
    schema: z.object({ project: name }).strict(),
    project: (i) => i.project,
    run: ({ store }, i) => store.members(i.project),
  }),
  'audit.list': action({
    need: 'hub-admin',
    schema: z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict().or(none),
    run: ({ store }, i) => store.audit(i && 'limit' in i && i.limit ? { limit: i.limit } : {}),
  }),
};

export type AdminActionName = keyof typeof ADMIN_ACTIONS;
export const ADMIN_ACTION_NAMES = Object.keys(ADMIN_ACTIONS) as AdminActionName[];

/** The projects a user may see, with their role there: every project for a hub admin, a member's own otherwise. */
async function visibleProjects(store: HubStore, user: HubUser) {
  const all = await store.listProjects();
  const withRole = await Promise.all(all.map(async (p) => ({ ...p, role: await roleIn(store, user, p.name).catch(() => undefined) })));
  return withRole.filter((p) => p.role !== undefined);
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => i.path.map(String).join('.') || 'input');
  const text = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}.`).join(' ');
  throw new InvalidArgumentError(text, 'Correct the value and try again.', { fields });
}

/** Runs one admin action for an authenticated user: checks the input, then who may (404 for a hidden project before 403). */
export async function runAdminAction(name: AdminActionName, ctx: AdminContext, input: unknown): Promise<unknown> {
  const a = ADMIN_ACTIONS[name] as Action<z.ZodType>;
  const valid = parse(a.schema, input);
  if (a.need === 'hub-admin') requireHubAdmin(ctx.user);
  else if (a.need !== 'user') await requireRole(ctx.store, ctx.user, a.project!(valid), a.need);
  return a.run(ctx, valid);
}
