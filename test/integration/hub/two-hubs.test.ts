// Two real `dstack hub` processes on one real Postgres (a throwaway cluster,
// test/helpers/postgres.ts), as behind a load balancer: each on its own port,
// on the same DSTACK_HOME (a local-backend project's runs live there). 40
// submits spread across both at once all land: every run is listed once by
// both hubs, no name twice, none lost. The admin actions done meanwhile on
// either hub are in the audit log once each, the same from both.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/common/job';
import { projectHome } from '../../../main/hub/server/project-backend';
import type { PostgresCluster } from '../../helpers/postgres';
import { startPostgres } from '../../helpers/postgres';
import { waitFor } from '../../helpers/wait';
import type { LiveCli } from './cli-hub';
import { MemberCli } from './cli-hub';

const SUBMITS = 40;

let pgCluster: PostgresCluster;
let tmp: string;
const hubs: LiveCli[] = [];

beforeAll(async () => {
  pgCluster = await startPostgres();
  tmp = await mkdtemp(join(tmpdir(), 'dstack-two-hubs-'));
  await mkdir(join(tmp, 'cwd'));
}, 120_000);

afterAll(async () => {
  for (const h of hubs) {
    h.child.kill('SIGTERM');
    await h.exited;
  }
  await pgCluster?.stop();
  await rm(tmp, { recursive: true, force: true });
}, 60_000);

/**
 * `dstack hub --port 0 --database URL` on the shared home; resolves with its
 * URL and what it printed. The database password goes in PGPASSWORD, never
 * on the command line, where `ps` would show it.
 */
async function startHubProcess(database: string): Promise<{ url: string; printed: string }> {
  const parsed = new URL(database);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const cli = new MemberCli(join(tmp, 'cwd'), join(tmp, 'home'));
  const saved = process.env.PGPASSWORD;
  process.env.PGPASSWORD = password;
  const hub = cli.spawn(['hub', '--port', '0', '--database', parsed.href]);
  if (saved === undefined) delete process.env.PGPASSWORD;
  else process.env.PGPASSWORD = saved;
  hubs.push(hub);
  const seen = await waitFor('`dstack hub` to print its URL', () => ({ ...hub.output(), exit: hub.child.exitCode }), (o) => /running at http:\/\/127\.0\.0\.1:\d+\//.test(o.stdout) || o.exit !== null, { timeoutMs: 60_000 });
  const url = /running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen.stdout)?.[1];
  if (!url) throw new Error(`dstack hub exited ${seen.exit} before it was ready: ${seen.stderr || seen.stdout}`);
  return { url, printed: seen.stdout };
}

function caller(url: string, token: string) {
  return async (path: string, input: unknown): Promise<unknown> => {
    const res = await fetch(`${url}api/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: unknown; error?: unknown };
    if (res.status !== 200) throw new Error(`${url} ${path} answered ${res.status}: ${JSON.stringify(body)}`);
    return body.result;
  };
}

it('takes 40 concurrent submits spread across two hubs on one Postgres: each run listed once by both, no name twice, none lost', async () => {
  const database = await pgCluster.newDatabase();
  const first = await startHubProcess(database);
  const adminToken = /^ {4}([0-9A-Za-z_-]{20,})$/m.exec(first.printed)?.[1];
  expect(adminToken, first.printed).toBeDefined();
  const second = await startHubProcess(database);
  expect(second.printed, 'the second hub finds the admin the first one made').not.toContain('admin token');
  expect(second.url).not.toBe(first.url);
  const admin = [caller(first.url, adminToken!), caller(second.url, adminToken!)];

  await admin[0]!('projects.create', { name: 'team', backend: 'local' });
  const workflows = join(projectHome(join(tmp, 'home', 'hub'), 'team'), 'workspace', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await writeFile(join(workflows, 'w.yaml'), 'workflows:\n  - name: hello\n    provider: bash\n    commands:\n      - echo hello\n');

  // Four members, made and added half on each hub at once: the audit log must hold each action once.
  const members = ['ana', 'ben', 'cy', 'dee'];
  const tokens = await Promise.all(
    members.map(async (name, i) => {
      const { token } = (await admin[i % 2]!('users.create', { name })) as { token: string };
      await admin[(i + 1) % 2]!('members.set', { project: 'team', user: name, role: 'run' });
      return token;
    }),
  );

  const submits = Array.from({ length: SUBMITS }, (_, i) => {
    const hubUrl = i % 2 ? second.url : first.url;
    const op = caller(hubUrl, tokens[i % members.length]!);
    return op('projects/team/ops/runs.submit', { projectId: 'team', workflow: 'hello', args: [] }).then((r) => ({ hub: hubUrl, runName: (r as { runName: string }).runName }));
  });
  const submitted = await Promise.all(submits);
  const names = submitted.map((s) => s.runName);
  expect(new Set(names).size, `run names given out: ${names.join(' ')}`).toBe(SUBMITS);
  expect(submitted.filter((s) => s.hub === second.url)).toHaveLength(SUBMITS / 2);

  const listed = await Promise.all(admin.map((call) => call('projects/team/ops/runs.list', { projectId: 'team', all: true }) as Promise<RunSummary[]>));
  for (const [i, runs] of listed.entries()) {
    expect(runs.map((r) => r.runName).sort(), `hub ${i + 1}'s run list`).toEqual([...names].sort());
  }

  const audits = (await Promise.all(admin.map((call) => call('audit.list', { limit: 1000 })))) as { actor: string; action: string; target: string }[][];
  const line = (a: { actor: string; action: string; target: string }) => `${a.actor} ${a.action} ${a.target}`;
  expect(audits[1]!.map(line), 'the audit log as each hub shows it').toEqual(audits[0]!.map(line));
  const expected = ['admin projects.create team', ...members.map((m) => `admin users.create ${m}`)];
  for (const e of expected) expect(audits[0]!.map(line).filter((l) => l === e), e).toHaveLength(1);
  expect(audits[0]!.filter((a) => a.action.startsWith('members.set')).map((a) => a.target).sort().join(' '), 'members.set entries').toMatch(/ana.*ben.*cy.*dee/);

  // The runs end on their own (the runners are the hubs' children): both hubs see every one done, none failed or gone.
  const ends = await waitFor(
    'all 40 runs to end, as both hubs list them',
    async () => Promise.all(admin.map(async (call) => ((await call('projects/team/ops/runs.list', { projectId: 'team', all: true })) as RunSummary[]).map((r) => `${r.runName} ${r.status}`).sort())),
    (lists) => lists.every((l) => l.length === SUBMITS && l.every((r) => / (done|failed|stopped|aborted)$/.test(r))),
    { timeoutMs: 90_000, everyMs: 500 },
  );
  expect(ends[1]).toEqual(ends[0]);
  expect(ends[0]!.filter((r) => !r.endsWith(' done'))).toEqual([]);
}, 240_000);
