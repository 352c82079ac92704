/**
 * Resource Manager's projects.testIamPermissions on 127.0.0.1, for setup's
 * permission pre-flight: it answers the subset of the asked permissions
 * that `granted` holds (all of them when it is undefined), as IAM does.
 */
import type { Loopback } from './gcp-loopback';
import { StandinError, startLoopback } from './gcp-loopback';

export interface ResourceManagerStandin extends Loopback {
  project: string;
  granted?: Set<string>;
  /** Every permission list asked, in order. */
  asked: string[][];
}

export async function startResourceManagerStandin(project = 'dstack-test-project'): Promise<ResourceManagerStandin> {
  const asked: string[][] = [];
  const self: { standin?: ResourceManagerStandin } = {};
  const lb = await startLoopback((req) => {
    const m = /^\/v1\/projects\/([^/:]+):testIamPermissions$/.exec(req.path);
    if (!m || req.method !== 'POST') throw new StandinError(404, `Not found: ${req.method} ${req.path}`);
    if (decodeURIComponent(m[1]!) !== project) throw new StandinError(403, `The caller does not have permission on project ${m[1]}`);
    const want = (JSON.parse(req.body.toString() || '{}') as { permissions?: unknown }).permissions;
    if (!Array.isArray(want) || !want.every((p) => typeof p === 'string')) throw new StandinError(400, 'permissions must be a list of strings.');
    asked.push(want as string[]);
    return { route: 'testIamPermissions', reply: { status: 200, body: { permissions: (want as string[]).filter((p) => !self.standin?.granted || self.standin.granted.has(p)) } } };
  });
  self.standin = Object.assign(lb, { project, asked });
  return self.standin;
}
