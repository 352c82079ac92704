// The CLI through a team hub, end to end: a member runs `dstack config hub`
// (token on stdin, into the OS keychain), then the real CLI's commands act
// on the hub project's runs from the member's own project folder, whose
// workflow files and code `run` sends to the hub (the hub project has none):
// run, ps, logs (-f), ls, cp, tags, secrets, stop (-x), rm. A read member's
// run is refused naming the role; a hub that is down, a project that is
// gone, a hub of another major version and a revoked token each give one
// line with the fix, and exit 1.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_CONNECTION_FILE, HUB_KEYCHAIN_SERVICE } from '../../../main/cli/commands/config-hub';
import { startHub } from '../../../main/hub/server/hub-server';
import { appVersion } from '../../../main/server/cli-command';
import { Keychain } from '../../../main/node/keychain';
import { waitFor } from '../../helpers/wait';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';
import { MemberCli } from './cli-hub';

const EXTRA = `workflows:
  - name: long
    provider: bash
    commands:
      - mkdir -p output
      - echo partial > output/partial.txt
      - trap 'echo saving; echo final > output/final.txt; exit 0' TERM
      - echo started
      - while true; do sleep 0.1; done
    artifacts:
      - path: output
  - name: secret
    provider: bash
    commands:
      - echo "env=$HUB_TOKEN_X"
`;

let h: HubHarness;
let url: string;
let tmp: string;
let ana: MemberCli;
const tokens: Record<string, string> = {};
const keychain = new Keychain(HUB_KEYCHAIN_SERVICE);
const deadUrls: string[] = [];

async function admin(action: string, input: unknown): Promise<unknown> {
  const r = await h.post(action, input, h.adminToken);
  if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.result;
}

async function member(name: string, role: 'admin' | 'run' | 'read'): Promise<string> {
  tokens[name] = ((await admin('users.create', { name })) as { token: string }).token;
  await admin('members.set', { project: 'alpha', user: name, role });
  return tokens[name];
}

/** A member's CLI with its own DSTACK_HOME, in a project folder with hello and EXTRA, connected to the hub with `dstack config hub`, token on stdin. */
async function connect(name: string): Promise<MemberCli> {
  const dir = join(tmp, name);
  const workflows = join(dir, 'cwd', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await copyFile(resolve(import.meta.dirname, '..', '..', '..', 'examples', 'hello', '.dstack', 'workflows', 'hello.yaml'), join(workflows, 'hello.yaml'));
  await writeFile(join(workflows, 'extra.yaml'), EXTRA);
  const cli = new MemberCli(join(dir, 'cwd'), join(dir, 'home'));
  expect(await cli.ok(['config', 'hub', '--url', url, '--project', 'alpha'], `${tokens[name]}\n`)).toContain(`as ${name}: project alpha`);
  return cli;
}

function statusIn(ps: string, run: string): string | undefined {
  return ps.split('\n').find((l) => l.startsWith(`${run} `))?.split(/\s+/)[2];
}

async function statusOf(cli: MemberCli, run: string): Promise<string | undefined> {
  return statusIn(await cli.ok(['ps', '-a']), run);
}

/** Starts `long` detached and waits until its log says it started. */
async function startLong(cli: MemberCli): Promise<string> {
  const name = (await cli.ok(['run', '-d', 'long'])).trim();
  const follow = cli.spawn(['logs', '-f', name]);
  try {
    await waitFor(`"started" in the log of ${name} through the hub`, () => follow.output(), (o) => o.stdout.includes('started'), { timeoutMs: 90_000 });
  } finally {
    follow.child.kill('SIGINT');
    await follow.exited;
  }
  return name;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-cli-'));
  h = await startHubHarness();
  url = `http://127.0.0.1:${h.hub.port}/`;
  await admin('projects.create', { name: 'alpha', backend: 'local' });
  await member('ana', 'admin');
  await member('rita', 'read');
  ana = await connect('ana');
}, 120_000);

afterAll(async () => {
  for (const u of [url, ...deadUrls]) await keychain.delete(u).catch(() => false);
  await h?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('the CLI through a team hub', () => {
  it('runs this folder\'s hello in the hub project, and ps, logs, ls, cp and tags show it as on a local backend', async () => {
    const run = await ana.run(['run', 'hello']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Hello from dstack, line 5 of 5');
    expect(run.stderr).toMatch(/^Run [a-z]+-[a-z]+-\d+ \(hello\) submitted to the hub project alpha\. Ctrl\+C stops it; press twice to abort\.$/m);
    const name = /Run ([a-z]+-[a-z]+-\d+) done\./.exec(run.stderr)?.[1];
    expect(name, run.stderr).toBeDefined();

    const ps = await ana.ok(['ps', '-a']);
    expect(ps.split('\n')[0]).toMatch(/^RUN +WORKFLOW +STATUS +SUBMITTED +TAG +BACKEND +REASON$/);
    expect(ps).toMatch(new RegExp(`^${name} +hello +done +\\d+ sec ago +local`, 'm'));

    expect(await ana.ok(['logs', name!])).toContain('Hello from dstack, line 1 of 5\n');
    expect(await ana.ok(['ls', name!])).toMatch(/^output\/hello\.txt {2}\d+ B\n$/);

    const into = join(tmp, 'copies');
    expect(await ana.ok(['cp', name!, 'output/hello.txt', `${into}/`])).toMatch(/^Copied 1 file\(s\), \d+ B, to .*copies\/\.\n$/);
    expect(await readFile(join(into, 'hello.txt'), 'utf8')).toBe(`Hello, world! Written by run ${name}.\n`);
    expect(await ana.ok(['cp', name!, 'output', join(into, 'tree')])).toMatch(/^Copied 1 file\(s\)/);
    expect(await readFile(join(into, 'tree', 'hello.txt'), 'utf8')).toBe(`Hello, world! Written by run ${name}.\n`);

    expect(await ana.ok(['tags', 'add', 'greeting', name!])).toBe(`Tagged ${name} as greeting.\n`);
    expect(await ana.ok(['tags'])).toMatch(new RegExp(`^TAG +RUN\\ngreeting +${name}\\n$`));
    expect(await ana.ok(['ls', ':greeting'])).toMatch(/^output\/hello\.txt {2}\d+ B\n$/);
    expect(await ana.ok(['tags', 'delete', 'greeting'])).toBe('Deleted tag greeting.\n');
    expect(await ana.ok(['tags'])).toBe('TAG  RUN\n');
  }, 240_000);

  it('follows a detached run with logs -f, and keeps secrets set from stdin', async () => {
    expect(await ana.ok(['secrets', 'add', 'HUB_TOKEN_X'], 'sesame\n')).toBe('Secret HUB_TOKEN_X saved.\n');
    expect(await ana.ok(['secrets'])).toBe('HUB_TOKEN_X\n');
    const name = (await ana.ok(['run', '-d', 'secret'])).trim();
    const logs = await ana.run(['logs', '-f', name]);
    expect(logs.code, logs.stderr).toBe(0);
    // The value reaches the job and is masked in its log.
    expect(logs.stdout).toMatch(/^env=\*+$/m);
    expect(logs.stdout).not.toContain('sesame');
    expect(await ana.ok(['secrets', 'delete', 'HUB_TOKEN_X'])).toBe('Secret HUB_TOKEN_X deleted.\n');
    expect(await ana.ok(['secrets'])).toBe('');
  }, 240_000);

  it('stops, aborts and removes runs', async () => {
    const stopped = await startLong(ana);
    // Without -f, `logs` prints what the log holds now and exits while the run goes on, as on a local backend.
    const sofar = await Promise.race([ana.run(['logs', stopped]), new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000))]);
    expect(sofar, `dstack logs ${stopped} (no -f) had not exited 60 s after it started, on a run that does not end`).toBeDefined();
    expect([sofar!.code, sofar!.stdout.includes('started'), await statusOf(ana, stopped)]).toEqual([0, true, 'running']);
    expect(await ana.ok(['stop', stopped])).toMatch(new RegExp(`^(Stop requested for ${stopped}|Run ${stopped} is stopped)\\.\\n$`));
    await waitFor(`${stopped} to show as stopped in ps`, () => statusOf(ana, stopped), (s) => s === 'stopped', { timeoutMs: 90_000 });
    expect(await ana.ok(['ls', stopped])).toMatch(/output\/final\.txt .*\noutput\/partial\.txt /);

    const aborted = await startLong(ana);
    expect(await ana.ok(['stop', '-x', aborted])).toMatch(new RegExp(`^(Abort requested for ${aborted}|Run ${aborted} is aborted)\\.\\n$`));
    await waitFor(`${aborted} to show as aborted in ps`, () => statusOf(ana, aborted), (s) => s === 'aborted', { timeoutMs: 90_000 });

    expect(await ana.ok(['rm', stopped])).toBe(`Removed ${stopped}.\n`);
    expect(statusIn(await ana.ok(['ps', '-a']), stopped)).toBeUndefined();
  }, 240_000);

  it("refuses a read member's run naming the role, and says the fix for a project that is gone, a hub that is down, another major version and a revoked token", async () => {
    const rita = await connect('rita');
    expect(await rita.ok(['ps', '-a'])).toMatch(/^RUN /);
    const refused = await rita.run(['run', 'hello']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('Forbidden: this needs the "run" role in project "alpha". Ask an admin of "alpha" for the run role.\n');

    await writeFile(join(rita.home, HUB_CONNECTION_FILE), JSON.stringify({ url, project: 'gone' }));
    const gone = await rita.run(['ps']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(
      `Project "gone" not found on the hub at http://127.0.0.1:${h.hub.port} (it was deleted, or you were removed from it). ` +
        `Ask the hub admin to add you to "gone", or pick another project: dstack config hub --url ${url} --project NAME\n`,
    );

    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const dead = `http://127.0.0.1:${port}/`;
    deadUrls.push(dead);
    await keychain.set(dead, tokens.rita!);
    await writeFile(join(rita.home, HUB_CONNECTION_FILE), JSON.stringify({ url: dead, project: 'alpha' }));
    const down = await rita.run(['tags']);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      `No hub answers at http://127.0.0.1:${port} (ECONNREFUSED). Check that \`dstack hub\` is running there and reachable from here; to use another hub, run: dstack config hub --url ${dead} --project alpha\n`,
    );

    // The same hub's data served by a hub of another major version: the CLI says both versions and the fix.
    const ours = appVersion();
    const theirs = `${Number(/^\d+/.exec(ours)![0]) + 1}.0.0`;
    const newer = await startHub({ store: h.store, home: h.home, version: theirs, port: 0 });
    try {
      const newerUrl = `http://127.0.0.1:${newer.port}/`;
      deadUrls.push(newerUrl);
      await keychain.set(newerUrl, tokens.rita!);
      await writeFile(join(rita.home, HUB_CONNECTION_FILE), JSON.stringify({ url: newerUrl, project: 'alpha' }));
      const mismatch = await rita.run(['ps']);
      expect(mismatch.code).toBe(1);
      expect(mismatch.stderr).toBe(
        `This hub runs dstack ${theirs}; the client is dstack ${ours}, another major version. Use a dstack ${theirs.split('.')[0]}.x client with this hub, or upgrade the hub (it runs dstack ${theirs}).\n`,
      );
    } finally {
      await newer.close();
    }

    await writeFile(join(rita.home, HUB_CONNECTION_FILE), JSON.stringify({ url, project: 'alpha' }));
    await admin('users.revoke', { name: 'rita' });
    const revoked = await rita.run(['ps']);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toBe(
      `The hub at http://127.0.0.1:${h.hub.port} refused your token: it was revoked or replaced by a new one. Ask the hub admin for a new token, then run: dstack config hub --url ${url} --project alpha\n`,
    );
  }, 240_000);

  // Last: connecting otto gives the shared keychain entry his token.
  it('ends a logs -f at once with the hub\'s sentence when an admin revokes the member, instead of reconnecting', async () => {
    await member('otto', 'run');
    const otto = await connect('otto');
    const name = (await otto.ok(['run', '-d', 'long'])).trim();
    const follow = otto.spawn(['logs', '-f', name]);
    try {
      await waitFor(`"started" in otto's follow of ${name}`, () => follow.output(), (o) => o.stdout.includes('started'), { timeoutMs: 90_000 });
      await admin('users.revoke', { name: 'otto' });
      const ended = await Promise.race([follow.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000))]);
      expect(ended, `the follow still ran 30 s after the revoke; it printed: ${JSON.stringify(follow.output())}`).toBeDefined();
      expect([ended!.code, ended!.stderr]).toEqual([
        1,
        `A hub admin revoked your access to this hub. Ask your hub admin for access (or a new token), then run: dstack config hub --url ${url} --project alpha\n`,
      ]);
    } finally {
      follow.child.kill('SIGKILL');
      // Every member's CLI here shares one keychain entry per hub URL, now otto's revoked token: the admin stops it.
      await admin('projects/alpha/ops/runs.stop', { projectId: 'alpha', runName: name, abort: true });
    }
  }, 240_000);
});
