// The role matrix, generated from the contract: every operation in
// OPERATION_ROLES, the run upload route and every hub admin endpoint, called over real HTTP by
// every kind of caller, on the real SQLite store. An allowed call may still
// fail on its input (400) or find nothing (404 for a run), but never with
// 401, 403 or "project not found"; a denied one gets exactly the status
// and a message naming what it needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRole } from '../../../main/common/api/operations';
import { OPERATION_NAMES, OPERATION_ROLES } from '../../../main/common/api/operations';
import { RUN_UPLOAD_ROUTE, RUN_UPLOAD_TYPE } from '../../../main/common/api/run-upload';
import { ADMIN_ACTION_NAMES } from '../../../main/hub/server/admin-actions';
import type { AdminActionName } from '../../../main/hub/server/admin-actions';
import type { HubHarness, HubResponse } from './hub-harness';
import { startHubHarness } from './hub-harness';

type Identity = 'hub admin' | 'project admin' | 'run' | 'read' | 'non-member' | 'no token' | 'revoked token';
const IDENTITIES: Identity[] = ['hub admin', 'project admin', 'run', 'read', 'non-member', 'no token', 'revoked token'];
/** A member's role in project alpha; the hub admin is an admin everywhere. */
const ROLE_IN_ALPHA: Partial<Record<Identity, 'read' | 'run' | 'admin'>> = { 'hub admin': 'admin', 'project admin': 'admin', run: 'run', read: 'read' };
const RANK = { read: 1, run: 2, admin: 3 };

let h: HubHarness;
const tokens: Partial<Record<Identity, string>> = {};

beforeAll(async () => {
  h = await startHubHarness();
  const admin = h.adminToken;
  tokens['hub admin'] = admin;
  const make = async (name: string) => {
    const r = await h.post('users.create', { name }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return (r.body.result as { token: string }).token;
  };
  for (const p of ['alpha', 'bravo']) expect((await h.post('projects.create', { name: p, backend: 'local' }, admin)).status).toBe(200);
  tokens['project admin'] = await make('padmin');
  tokens.run = await make('runner');
  tokens.read = await make('reader');
  tokens['non-member'] = await make('outsider');
  tokens['revoked token'] = await make('gone');
  await make('victim');
  for (const [user, role] of [['padmin', 'admin'], ['runner', 'run'], ['reader', 'read']] as const) {
    expect((await h.post('members.set', { project: 'alpha', user, role }, admin)).status).toBe(200);
  }
  // The outsider is a member elsewhere, so "non-member" means "not of this project", not "of nothing".
  expect((await h.post('members.set', { project: 'bravo', user: 'outsider', role: 'run' }, admin)).status).toBe(200);
  expect((await h.post('users.revoke', { name: 'gone' }, admin)).status).toBe(200);
});
afterAll(() => h?.close());

const isProjectNotFound = (r: HubResponse, project: string) => r.status === 404 && r.body.error?.message === `Project "${project}" not found.`;

/** What a caller must see: 'allowed', or the refusal's status and a text its message must hold. */
type Expected = 'allowed' | { status: number; says: string };

function expectedForOp(role: OperationRole, who: Identity): Expected {
  if (role === 'none') return 'allowed';
  if (who === 'no token' || who === 'revoked token') return { status: 401, says: 'no valid hub token' };
  const mine = ROLE_IN_ALPHA[who];
  if (!mine) return { status: 404, says: 'Project "alpha" not found.' };
  if (role === 'local') return { status: 400, says: 'not on a team hub' };
  if (role === 'hub-admin') return who === 'hub admin' ? 'allowed' : { status: 403, says: 'a hub admin' };
  return RANK[mine] >= RANK[role] ? 'allowed' : { status: 403, says: `the "${role}" role in project "alpha"` };
}

function check(r: HubResponse, expected: Expected, what: string): void {
  const seen = `${what} answered ${r.status} ${JSON.stringify(r.body)}`;
  if (expected === 'allowed') {
    expect([401, 403].includes(r.status) || isProjectNotFound(r, 'alpha'), seen).toBe(false);
    expect(r.status, seen).toBeLessThan(500);
  } else {
    expect(r.status, seen).toBe(expected.status);
    expect(r.body.error?.message, seen).toContain(expected.says);
  }
}

describe('every contract operation × every caller', () => {
  it.each(OPERATION_NAMES.map((op) => [op, OPERATION_ROLES[op]] as const))('%s (needs %s)', async (op, role) => {
    for (const who of IDENTITIES) {
      const r = await h.post(`projects/alpha/ops/${op}`, { projectId: 'alpha' }, tokens[who]);
      check(r, expectedForOp(role, who), `${op} as ${who}`);
    }
  });
});

describe('the run upload route × every caller', () => {
  it(`POST projects/alpha/${RUN_UPLOAD_ROUTE} needs what runs.submit needs (${OPERATION_ROLES['runs.submit']})`, async () => {
    for (const who of IDENTITIES) {
      const r = await h.post(`projects/alpha/${RUN_UPLOAD_ROUTE}`, {}, tokens[who], { 'content-type': RUN_UPLOAD_TYPE });
      check(r, expectedForOp(OPERATION_ROLES['runs.submit'], who), `${RUN_UPLOAD_ROUTE} as ${who}`);
    }
  });
});

/** Each admin action with a valid input that leaves the fixtures above as they are. */
const ADMIN_INPUTS: Record<AdminActionName, (who: Identity) => unknown> = {
  me: () => ({}),
  'users.create': (who) => ({ name: `new-${who.replace(/ /g, '-')}` }),
  'users.list': () => ({}),
  'users.rotate': () => ({ name: 'victim' }),
  'users.revoke': () => ({ name: 'victim' }),
  'projects.create': (who) => ({ name: `p-${who.replace(/ /g, '-')}`, backend: 'local' }),
  'projects.list': () => ({}),
  'projects.get': () => ({ name: 'alpha' }),
  'projects.update': () => ({ name: 'alpha', settings: { note: 'x' } }),
  'projects.delete': () => ({ name: 'scratch' }),
  'members.set': () => ({ project: 'alpha', user: 'victim', role: 'read' }),
  'members.remove': () => ({ project: 'alpha', user: 'victim' }),
  'members.list': () => ({ project: 'alpha' }),
  'audit.list': () => ({ limit: 5 }),
};
/** The role each action needs, as the hub's admin endpoints document it. */
const ADMIN_NEEDS: Record<AdminActionName, 'hub-admin' | 'user' | 'read' | 'admin'> = {
  me: 'user',
  'users.create': 'hub-admin',
  'users.list': 'hub-admin',
  'users.rotate': 'hub-admin',
  'users.revoke': 'hub-admin',
  'projects.create': 'hub-admin',
  'projects.list': 'user',
  'projects.get': 'read',
  'projects.update': 'admin',
  'projects.delete': 'hub-admin',
  'members.set': 'hub-admin',
  'members.remove': 'hub-admin',
  'members.list': 'admin',
  'audit.list': 'hub-admin',
};

function expectedForAdmin(need: (typeof ADMIN_NEEDS)[AdminActionName], who: Identity): Expected {
  if (who === 'no token' || who === 'revoked token') return { status: 401, says: 'no valid hub token' };
  if (need === 'user') return 'allowed';
  if (need === 'hub-admin') return who === 'hub admin' ? 'allowed' : { status: 403, says: 'a hub admin' };
  const mine = ROLE_IN_ALPHA[who];
  if (!mine) return { status: 404, says: 'Project "alpha" not found.' };
  return RANK[mine] >= RANK[need] ? 'allowed' : { status: 403, says: `the "${need}" role in project "alpha"` };
}

describe('every admin endpoint × every caller', () => {
  it('covers every action the hub serves', () => {
    expect(Object.keys(ADMIN_NEEDS).sort()).toEqual([...ADMIN_ACTION_NAMES].sort());
  });
  it.each(ADMIN_ACTION_NAMES.map((a) => [a, ADMIN_NEEDS[a]] as const))('%s (needs %s)', async (action, need) => {
    if (action === 'projects.delete') expect((await h.post('projects.create', { name: 'scratch', backend: 'local' }, h.adminToken)).status).toBe(200);
    // The hub admin goes last, so a destructive action (revoke, delete) has its target while the others are refused.
    for (const who of [...IDENTITIES].reverse()) {
      const r = await h.post(action, ADMIN_INPUTS[action](who), tokens[who]);
      check(r, expectedForAdmin(need, who), `${action} as ${who}`);
    }
  });
});

describe('a member of alpha sees nothing of bravo', () => {
  it('lists only alpha, and gets bravo exactly as a project that does not exist', async () => {
    for (const who of ['project admin', 'run', 'read'] as const) {
      const list = await h.post('projects.list', {}, tokens[who]);
      expect(list.status).toBe(200);
      expect((list.body.result as { name: string }[]).map((p) => p.name)).toEqual(['alpha']);
      const me = await h.post('me', {}, tokens[who]);
      expect(JSON.stringify(me.body), `me as ${who}`).not.toContain('bravo');
      const bravo = await h.post('projects.get', { name: 'bravo' }, tokens[who]);
      const nowhere = await h.post('projects.get', { name: 'nowhere' }, tokens[who]);
      expect(bravo.status).toBe(404);
      expect(JSON.stringify(bravo.body)).toBe(JSON.stringify(nowhere.body).replace('nowhere', 'bravo'));
      const op = await h.post('projects/bravo/ops/runs.list', { projectId: 'x' }, tokens[who]);
      const opNowhere = await h.post('projects/nowhere/ops/runs.list', { projectId: 'x' }, tokens[who]);
      expect(op.status).toBe(404);
      expect(JSON.stringify(op.body)).toBe(JSON.stringify(opNowhere.body).replace('nowhere', 'bravo'));
    }
  });
});
