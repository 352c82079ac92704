// Several writers at once on the hub store: run names are claimed under a
// unique key (never read-then-write), on one store and across two hub
// stores on one Postgres, and the first admin is made exactly once however
// many hub processes start together.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { SqlHubStore } from '../../../main/hub/sql-store';
import { waitFor } from '../../helpers/wait';
import { DIALECTS, usePlaces } from './store-places';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** A separate Node process running store-hub-process.ts on the same home and database. */
function hubProcess(home: string, database: string | undefined, name: string): { child: ChildProcess; lines(): string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-hub-process.ts'), home, database ?? '-', name], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, lines: () => out.split('\n') };
}

const place = usePlaces();

async function projectIn(store: SqlHubStore, name = 'team'): Promise<void> {
  await store.bootstrapAdmin('root');
  await store.createProject('root', { name, backend: 'local', settings: {} });
}

describe.each(DIALECTS)('hub store on %s under concurrent writers', (dialect) => {
  it('gives a run name to exactly one of 50 concurrent claims', async () => {
    const store = await (await place(dialect)).open();
    await projectIn(store);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.claimRunName('team', 'swift-fox-1')));
    expect(results.filter(Boolean)).toHaveLength(1);
    // Names are per project: another project may have the same one.
    await store.createProject('root', { name: 'other', backend: 'local', settings: {} });
    expect(await store.claimRunName('other', 'swift-fox-1')).toBe(true);
    await expect(store.claimRunName('nope', 'swift-fox-1')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('"nope"') });
  });

  it('makes exactly one first admin when three hub processes start at once on one database', async () => {
    const p = await place(dialect);
    const hubs = ['ann', 'ben', 'cat'].map((name) => hubProcess(p.home, p.database, name));
    try {
      await waitFor('the three hub processes to open and migrate the store', () => hubs.map((h) => h.lines().includes('ready')), (r) => r.every(Boolean), { timeoutMs: 80_000 });
      for (const h of hubs) h.child.stdin!.write('go\n');
      const results = await waitFor('each hub process to answer bootstrapAdmin', () => hubs.map((h) => h.lines().find((l) => l.startsWith('{'))), (r) => r.every(Boolean), { timeoutMs: 30_000 });
      const made = results.map((r) => JSON.parse(r!) as { name: string; made: boolean }).filter((r) => r.made);
      expect(made, results.join(' ')).toHaveLength(1);
      const store = await p.open();
      expect((await store.listUsers()).map((u) => `${u.name}${u.admin ? ' (admin)' : ''}`)).toEqual([`${made[0]!.name} (admin)`]);
    } finally {
      for (const h of hubs) h.child.kill();
    }
  });
});

describe('two hub stores on one Postgres', () => {
  it('make exactly one first admin from 8 concurrent calls on 4 connection pools that also migrate at once', async () => {
    const p = await place('postgres');
    const stores = await Promise.all(Array.from({ length: 4 }, () => p.open({ poolSize: 3 })));
    const issued = await Promise.all(stores.flatMap((s, i) => [s.bootstrapAdmin(`admin${i}`), s.bootstrapAdmin(`admin${i}b`)]));
    const made = issued.filter((t) => t !== undefined);
    expect(made).toHaveLength(1);
    expect((await stores[0]!.listUsers()).map((u) => u.name)).toEqual([made[0]!.user.name]);
    expect((await stores[3]!.audit()).filter((e) => e.action === 'users.bootstrap')).toHaveLength(1);
  });

  it('split 200 concurrently claimed run names between them: no name twice, none lost', async () => {
    const p = await place('postgres');
    const [a, b] = await Promise.all([p.open(), p.open()]);
    await projectIn(a!);
    const names = Array.from({ length: 200 }, (_, i) => `quick-owl-${i + 1}`);
    // Both hubs claim every name at the same moment, as two submits that picked the same name would.
    const claims = await Promise.all(names.flatMap((n) => [a!.claimRunName('team', n).then((won) => ({ n, hub: 'a', won })), b!.claimRunName('team', n).then((won) => ({ n, hub: 'b', won }))]));
    const winners = new Map<string, string[]>();
    for (const c of claims) if (c.won) winners.set(c.n, [...(winners.get(c.n) ?? []), c.hub]);
    expect([...winners.values()].filter((hubs) => hubs.length !== 1)).toEqual([]);
    expect([...winners.keys()].sort()).toEqual([...names].sort());
    const byHub = { a: claims.filter((c) => c.won && c.hub === 'a').length, b: claims.filter((c) => c.won && c.hub === 'b').length };
    expect(byHub.a + byHub.b, JSON.stringify(byHub)).toBe(200);
    expect(byHub.a > 0 && byHub.b > 0, `both hubs should win some names: ${JSON.stringify(byHub)}`).toBe(true);
    // And a name taken by one hub is refused by the other afterwards.
    expect(await b!.claimRunName('team', 'quick-owl-1')).toBe(false);
    expect(await a!.claimRunName('team', 'quick-owl-1')).toBe(false);
  });
});

describe('a hub store on Postgres', () => {
  it('outlives its connections being cut (a Postgres restart or failover): no crash, the next calls reconnect', async () => {
    const p = await place('postgres');
    const store = await p.open({ poolSize: 4 });
    await projectIn(store);
    // Several calls at once leave several idle connections in the pool.
    await Promise.all(Array.from({ length: 8 }, () => store.listProjects()));
    const admin = new pg.Client({ connectionString: p.database });
    await admin.connect();
    try {
      const cut = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      expect(cut.rowCount, 'idle hub connections cut').toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    const names = await waitFor('the store to answer again after its connections were cut', () => store.listProjects().then((ps) => ps.map((x) => x.name)), (n) => n.length === 1, { timeoutMs: 30_000 });
    expect(names).toEqual(['team']);
    expect(await store.claimRunName('team', 'after-cut-1')).toBe(true);
  });
});
