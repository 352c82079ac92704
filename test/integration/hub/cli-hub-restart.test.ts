// A hub restart in the middle of `dstack run` through the hub: the real
// `dstack hub` process is killed and started again on the same port and
// data. The run goes on, the CLI says it lost the hub, reconnects on its
// own once the hub is back, and prints every line of the log once, in
// order, to the end, then the run's outcome.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HUB_KEYCHAIN_SERVICE } from '../../../main/cli/commands/config-hub';
import { Keychain } from '../../../main/node/keychain';
import { waitFor } from '../../helpers/wait';
import type { LiveCli } from './cli-hub';
import { MemberCli } from './cli-hub';

const TICKS = 30;

let tmp: string;
let url = '';
let hubCli: MemberCli;
let hub: LiveCli | undefined;

/** Starts `dstack hub` on `port` and resolves once it prints its URL; the output so far comes back too. */
async function startHubProcess(port: number): Promise<{ url: string; printed: string }> {
  hub = hubCli.spawn(['hub', '--port', String(port)]);
  const live = hub;
  const seen = await waitFor('`dstack hub` to print its URL', () => live.output(), (o) => /running at http:\/\/127\.0\.0\.1:\d+\//.test(o.stdout), { timeoutMs: 60_000 });
  return { url: /running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen.stdout)![1]!, printed: seen.stdout };
}

async function stopHubProcess(): Promise<void> {
  if (!hub) return;
  hub.child.kill('SIGKILL');
  await hub.exited;
  hub = undefined;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-restart-'));
  await mkdir(join(tmp, 'cwd'));
  hubCli = new MemberCli(join(tmp, 'cwd'), join(tmp, 'hub-home'));
}, 60_000);

afterAll(async () => {
  await stopHubProcess();
  if (url) await new Keychain(HUB_KEYCHAIN_SERVICE).delete(url).catch(() => false);
  await rm(tmp, { recursive: true, force: true });
});

it('follows `dstack run` across a hub restart without losing or doubling a line', async () => {
  const first = await startHubProcess(0);
  url = first.url;
  const adminToken = /^ {4}([0-9A-Za-z_-]{20,})$/m.exec(first.printed)?.[1];
  expect(adminToken, first.printed).toBeDefined();
  const post = async (action: string, input: unknown): Promise<unknown> => {
    const res = await fetch(`${url}api/v1/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: unknown };
    if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${JSON.stringify(body)}`);
    return body.result;
  };
  await post('projects.create', { name: 'alpha', backend: 'local' });
  const { token } = (await post('users.create', { name: 'ana' })) as { token: string };
  await post('members.set', { project: 'alpha', user: 'ana', role: 'run' });
  // The member's own project folder: `run` sends its workflow files and code to the hub.
  const workflows = join(tmp, 'cwd', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await writeFile(join(workflows, 'ticks.yaml'), `workflows:\n  - name: ticks\n    provider: bash\n    commands:\n      - for i in $(seq 1 ${TICKS}); do echo "tick $i"; sleep 0.5; done\n`);
  const cli = new MemberCli(join(tmp, 'cwd'), join(tmp, 'home'));
  await cli.ok(['config', 'hub', '--url', url, '--project', 'alpha'], `${token}\n`);

  const run = cli.spawn(['run', 'ticks']);
  await waitFor('"tick 2" through the hub', () => run.output(), (o) => o.stdout.includes('tick 2\n'), { timeoutMs: 90_000 });
  await stopHubProcess();
  await waitFor('the CLI to say it lost the hub', () => run.output(), (o) => o.stderr.includes('dstack: lost the hub'), { timeoutMs: 30_000 });
  await startHubProcess(Number(new URL(url).port));

  const end = await run.exited;
  expect(end.code, end.stderr).toBe(0);
  expect(end.stdout).toBe(Array.from({ length: TICKS }, (_, i) => `tick ${i + 1}\n`).join(''));
  expect(end.stderr).toMatch(/Run [a-z]+-[a-z]+-\d+ done\.\n$/);
}, 180_000);
