/**
 * `POST /api/v1/projects/{name}/ops/{op}`: one contract operation in one
 * project, checked in a fixed order so what a refusal says never leaks more
 * than the caller may know: the token (401), then whether the caller may see
 * the project at all (404, the same as for a project that does not exist),
 * then whether the operation exists on a hub (`local` ones do not), then
 * the role the contract writes next to the operation (403 naming it).
 */
import type { IncomingMessage } from 'node:http';
import type { OperationName, OperationRole, OpOutput } from '../../common/api/operations';
import { OPERATION_ROLES } from '../../common/api/operations';
import { InvalidArgumentError, NotFoundError } from '../../common/errors';
import { readJson } from '../../server/api-routes';
import type { HubStore, HubUser } from '../store';
import { authenticate, forbidden, requireHubAdmin, roleCovers, roleIn } from './access';
import type { ProjectServices } from './project-services';

type OpenOp = { [K in OperationName]: (typeof OPERATION_ROLES)[K] extends 'none' ? K : never }[OperationName];

/** Operations anyone may call, answered by the hub itself: they name no project, so they reveal none. */
function openOps(version: string): { [K in OpenOp]: () => Promise<OpOutput<K>> } {
  return {
    // A hub's projects are configured by its admins; the hub's own GPUs are not the caller's.
    'app.info': async () => ({ version, transport: 'http', platform: process.platform, configured: true, localGpus: 0 }),
  };
}

export function isOperation(op: string): op is OperationName {
  return Object.hasOwn(OPERATION_ROLES, op);
}

export interface ProjectOpContext {
  store: HubStore;
  services: ProjectServices;
  version: string;
}

/** Authenticates and checks the caller's role in `project` for `need`; returns the user. */
export async function admitToProject(ctx: ProjectOpContext, req: IncomingMessage, project: string, need: OperationRole): Promise<HubUser> {
  const user = await authenticate(ctx.store, req.headers.authorization);
  const role = await roleIn(ctx.store, user, project);
  if (need === 'local') {
    throw new InvalidArgumentError(
      'This operation works only on your own machine (the desktop app or `dstack server`), not on a team hub.',
      'A hub admin changes a project\'s backend settings with projects.update.',
    );
  }
  if (need === 'hub-admin') requireHubAdmin(user);
  else if (need !== 'none' && !roleCovers(role, need)) throw forbidden(need, project);
  return user;
}

/** Runs one operation for the caller; the result is the envelope's `result`. */
export async function runProjectOp(ctx: ProjectOpContext, req: IncomingMessage, project: string, op: string): Promise<unknown> {
  if (!isOperation(op)) throw new NotFoundError(`Unknown operation "${op}".`, 'Check the operation name against the API contract.');
  const need = OPERATION_ROLES[op];
  const open = openOps(ctx.version) as Record<string, () => Promise<unknown>>;
  if (need === 'none' && open[op]) return open[op]();
  await admitToProject(ctx, req, project, need);
  const input = await readJson(req);
  const service = ctx.services.get(project);
  // The project is the one in the URL: whatever id the client sent, the call acts on this project's workspace.
  const scoped = input !== null && typeof input === 'object' && !Array.isArray(input) && 'projectId' in input ? { ...input, projectId: await ctx.services.projectId(project) } : input;
  const clientId = req.headers['x-dstack-client'];
  return service.call(op, scoped, typeof clientId === 'string' ? { clientId } : {});
}
