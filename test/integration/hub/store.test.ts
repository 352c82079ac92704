// The hub store on SQLite and on a real Postgres, the same suite for both:
// users and their tokens, projects with write-only credentials, members and
// roles, and the audit log of admin actions.
import type * as NodeCrypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openHubDb, parseDatabaseOption } from '../../../main/hub/db/connect';
import type { SqlHubStore } from '../../../main/hub/sql-store';
import type { Place } from './store-places';
import { DIALECTS, usePlaces } from './store-places';

// A spy around the real timingSafeEqual (not a stand-in): the test sees that authenticate compares through it.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof NodeCrypto>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const place = usePlaces();

async function withAdmin(p: Place): Promise<{ store: SqlHubStore; adminToken: string }> {
  const store = await p.open();
  const issued = await store.bootstrapAdmin('root');
  if (!issued) throw new Error('bootstrapAdmin made no admin in a fresh database');
  return { store, adminToken: issued.token };
}

/** The raw column values, read around the store, as someone with the database would. */
async function rawRows(p: Place, table: 'hub_users' | 'hub_projects' | 'hub_audit'): Promise<Record<string, unknown>[]> {
  const hub = await openHubDb(parseDatabaseOption(p.database, p.home));
  try {
    return (await hub.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
  } finally {
    await hub.db.destroy();
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(DIALECTS)('hub store on %s', (dialect) => {
  it('issues the first admin once, and dsh_ tokens stored only as their SHA-256', async () => {
    const p = await place(dialect);
    const { store, adminToken } = await withAdmin(p);
    expect(adminToken).toMatch(/^dsh_[A-Za-z0-9_-]{43}$/);
    expect(await store.bootstrapAdmin('second')).toBeUndefined();
    const alice = await store.createUser('root', 'alice');
    expect(alice.user).toMatchObject({ name: 'alice', admin: false });
    expect(alice.token).not.toBe(adminToken);
    expect((await store.authenticate(alice.token))?.name).toBe('alice');
    expect((await store.authenticate(adminToken))).toMatchObject({ name: 'root', admin: true });
    expect((await store.listUsers()).map((u) => u.name)).toEqual(['alice', 'root']);

    const rows = await rawRows(p, 'hub_users');
    expect(rows.map((r) => r.token_hash).sort()).toEqual([sha256(adminToken), sha256(alice.token)].sort());
    expect(JSON.stringify(rows)).not.toContain(alice.token.slice(4));
  });

  it('refuses unknown, malformed and look-alike tokens', async () => {
    const { store, adminToken } = await withAdmin(await place(dialect));
    const flipped = adminToken.slice(0, -1) + (adminToken.endsWith('A') ? 'B' : 'A');
    for (const bad of [flipped, '', 'dsh_', adminToken + 'x', adminToken.slice(4), `Bearer ${adminToken}`]) {
      expect(await store.authenticate(bad), bad).toBeUndefined();
    }
  });

  it('compares a found token with crypto.timingSafeEqual on the hashes', async () => {
    const { store, adminToken } = await withAdmin(await place(dialect));
    const spy = vi.mocked(timingSafeEqual);
    spy.mockClear();
    expect(await store.authenticate(adminToken)).toBeDefined();
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
    expect(Buffer.from(a).toString('hex')).toBe(sha256(adminToken));
    expect(Buffer.from(b).toString('hex')).toBe(sha256(adminToken));
  });

  it('rotates a token (the old one stops at once) and revokes a user', async () => {
    const { store } = await withAdmin(await place(dialect));
    const first = await store.createUser('root', 'bob');
    const second = await store.rotateToken('root', 'bob');
    expect(second.token).not.toBe(first.token);
    expect(await store.authenticate(first.token)).toBeUndefined();
    expect((await store.authenticate(second.token))?.name).toBe('bob');

    await store.revokeUser('root', 'bob');
    expect(await store.authenticate(second.token)).toBeUndefined();
    expect((await store.listUsers()).find((u) => u.name === 'bob')?.revokedAt).toBeTypeOf('number');
    await expect(store.rotateToken('root', 'bob')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('"bob" is revoked') });
    await expect(store.revokeUser('root', 'nobody')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('"nobody"') });
  });

  it('refuses a taken or malformed user name with a typed error naming it', async () => {
    const { store } = await withAdmin(await place(dialect));
    await store.createUser('root', 'carol');
    await expect(store.createUser('root', 'carol')).rejects.toMatchObject({ name: 'ConflictError', code: 'conflict', message: 'A user named "carol" already exists on this hub.' });
    await expect(store.createUser('root', 'no spaces')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('"no spaces" is not a valid user name') });
  });

  it('keeps credentials write-only: listings say only whether they exist, and the database holds them sealed', async () => {
    const p = await place(dialect);
    const { store } = await withAdmin(p);
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const made = await store.createProject('root', { name: 'ml', backend: 'aws', settings: { region: 'eu-west-1', bucket: 'team-bucket-visible' }, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: secret } });
    expect(made).toMatchObject({ name: 'ml', backend: 'aws', settings: { region: 'eu-west-1', bucket: 'team-bucket-visible' }, hasCredentials: true });
    const shown = JSON.stringify([made, await store.getProject('ml'), await store.listProjects(), await store.audit()]);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain('AKIAEXAMPLE');
    expect(await store.projectCredentials('ml')).toEqual({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: secret });

    const raw = await rawRows(p, 'hub_projects');
    expect(String(raw[0]?.credentials)).toMatch(/^v1:/);
    expect(JSON.stringify(raw)).not.toContain(secret);
    expect(JSON.stringify(raw)).toContain('team-bucket-visible');

    const updated = await store.updateProject('root', 'ml', { settings: { region: 'us-east-1' } });
    expect(updated).toMatchObject({ settings: { region: 'us-east-1' }, hasCredentials: true });
    expect((await store.updateProject('root', 'ml', { credentials: {} })).hasCredentials).toBe(false);
    expect(await store.projectCredentials('ml')).toBeUndefined();
    await expect(store.updateProject('root', 'gone', { settings: {} })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('"gone"') });
    await expect(store.createProject('root', { name: 'ml', backend: 'local', settings: {} })).rejects.toMatchObject({ code: 'conflict', message: 'A project named "ml" already exists on this hub.' });
    await expect(store.createProject('root', { name: 'x', backend: 'azure' as never, settings: {} })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('"azure"') });
  });

  it('refuses to start with a key other than the one that sealed the credentials', async () => {
    const p = await place(dialect);
    const { store } = await withAdmin(p);
    await store.createProject('root', { name: 'ml', backend: 'aws', settings: {}, credentials: { secretAccessKey: 's3cr3t' } });
    await store.close();
    const otherKey = Buffer.alloc(32, 7).toString('base64');
    await expect(p.open({ env: { DSTACK_HUB_KEY: otherKey } })).rejects.toMatchObject({ code: 'config', message: expect.stringContaining("The hub's key (DSTACK_HUB_KEY) is not the key that encrypted the credentials") });
    expect(await (await p.open()).projectCredentials('ml')).toEqual({ secretAccessKey: 's3cr3t' });
  });

  it('sets, changes and removes members; a non-member has no role', async () => {
    const { store } = await withAdmin(await place(dialect));
    await store.createUser('root', 'dana');
    await store.createUser('root', 'eve');
    await store.createProject('root', { name: 'a', backend: 'local', settings: {} });
    await store.setMember('root', { project: 'a', user: 'dana', role: 'read' });
    await store.setMember('root', { project: 'a', user: 'eve', role: 'run' });
    await store.setMember('root', { project: 'a', user: 'dana', role: 'admin' });
    expect(await store.members('a')).toEqual([
      { project: 'a', user: 'dana', role: 'admin' },
      { project: 'a', user: 'eve', role: 'run' },
    ]);
    expect(await store.roleOf('eve', 'a')).toBe('run');
    expect(await store.roleOf('root', 'a')).toBeUndefined();
    await store.removeMember('root', 'a', 'eve');
    expect(await store.roleOf('eve', 'a')).toBeUndefined();

    await expect(store.setMember('root', { project: 'b', user: 'dana', role: 'run' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('project named "b"') });
    await expect(store.setMember('root', { project: 'a', user: 'zed', role: 'run' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('user named "zed"') });
    await expect(store.setMember('root', { project: 'a', user: 'dana', role: 'owner' as never })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('"owner" is not a project role') });
    await expect(store.removeMember('root', 'a', 'eve')).rejects.toMatchObject({ code: 'not_found', message: '"eve" is not a member of project "a".' });

    await store.claimRunName('a', 'brave-owl-1');
    await store.deleteProject('root', 'a');
    expect(await store.getProject('a')).toBeUndefined();
    await store.createProject('root', { name: 'a', backend: 'local', settings: {} });
    expect(await store.members('a')).toEqual([]);
    expect(await store.claimRunName('a', 'brave-owl-1')).toBe(true);
  });

  it('writes one audit row per admin action, in the same transaction: a refused action leaves none', async () => {
    const { store } = await withAdmin(await place(dialect));
    await store.createUser('root', 'fay');
    await expect(store.createUser('root', 'fay')).rejects.toMatchObject({ code: 'conflict' });
    await store.rotateToken('root', 'fay');
    await store.createProject('root', { name: 'p', backend: 'local', settings: {}, credentials: { token: 'never-in-audit' } });
    await store.updateProject('root', 'p', { settings: { region: 'r' } });
    await store.setMember('root', { project: 'p', user: 'fay', role: 'run' });
    await expect(store.setMember('root', { project: 'p', user: 'ghost', role: 'run' })).rejects.toMatchObject({ code: 'not_found' });
    await store.removeMember('root', 'p', 'fay');
    await store.revokeUser('root', 'fay');
    await store.deleteProject('root', 'p');

    const log = await store.audit();
    expect(log.map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual([
      'root projects.delete p',
      'root users.revoke fay',
      'root members.remove p/fay',
      'root members.set p/fay as run',
      'root projects.update p',
      'root projects.create p',
      'root users.rotate fay',
      'root users.create fay',
      '(hub) users.bootstrap root',
    ]);
    expect(log.every((e) => typeof e.at === 'number' && e.at > Date.now() - 600_000)).toBe(true);
    expect(JSON.stringify(log)).not.toContain('never-in-audit');
    expect((await store.audit({ limit: 2 })).map((e) => e.action)).toEqual(['projects.delete', 'users.revoke']);
  });

});

describe('hub store on the SQLite file', () => {
  it('leaves no stored secret in clear anywhere in the SQLite files', async () => {
    const p = await place('sqlite');
    const { store } = await withAdmin(p);
    const secret = 'CLEAR-TEXT-CANARY-9f8e7d6c5b4a';
    await store.createProject('root', { name: 'canary', backend: 'aws', settings: { bucket: 'SETTINGS-CANARY-visible' }, credentials: { secretAccessKey: secret } });
    await store.close();
    const dir = join(p.home, 'hub');
    const files = await readdir(dir);
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
    expect(files).toContain('hub.db');
    // The scan finds clear text when it is there (the settings), so its not finding the secret means something.
    expect(bytes.includes('SETTINGS-CANARY-visible')).toBe(true);
    expect(bytes.includes(secret)).toBe(false);
  });
});
