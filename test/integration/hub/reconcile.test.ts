// The hub's background work: it reconciles every project on its timer with
// no client call. A local-backend project's run is submitted through the
// hub's API, its runner is killed, and the hub's own pass marks it failed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LocalCompute } from '../../../main/backends/local/compute';
import type { RunSummary } from '../../../main/common/job';
import { projectHome } from '../../../main/hub/server/project-backend';
import { descendantGroups, killGroups } from '../../helpers/process-tree';
import { waitFor } from '../../helpers/wait';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function call(h: HubHarness, path: string, input: unknown, token = h.adminToken): Promise<unknown> {
  const r = await h.post(path, input, token);
  if (r.status !== 200) throw new Error(`${path} answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
}

it('marks failed a run whose runner was killed, on its own timer, and logs admin actions in the audit list', async () => {
  const h = await startHubHarness({ reconcileEveryMs: 500 });
  cleanups.push(() => h.close());
  await call(h, 'projects.create', { name: 'alpha', backend: 'local' });
  const runner = (await call(h, 'users.create', { name: 'ana' })) as { token: string };
  await call(h, 'members.set', { project: 'alpha', user: 'ana', role: 'run' });
  const workflows = join(projectHome(join(h.home, 'hub'), 'alpha'), 'workspace', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await writeFile(join(workflows, 'w.yaml'), 'workflows:\n  - name: sleepy\n    provider: bash\n    commands:\n      - sleep 30\n');

  const op = (name: string, input: Record<string, unknown>) => call(h, `projects/alpha/ops/${name}`, { projectId: 'alpha', ...input }, runner.token);
  const { runName } = (await op('runs.submit', { workflow: 'sleepy', args: [] })) as { runName: string };
  const run = async () => ((await op('runs.list', { all: true })) as RunSummary[]).find((r) => r.runName === runName);
  const running = await waitFor(`${runName} running`, run, (r) => r?.status === 'running', { timeoutMs: 60_000 });

  const compute = (await h.hub.services.get('alpha').ctx.runs()).backend.compute as LocalCompute;
  const pid = await compute.pids.read(running!.jobId);
  expect(pid, `the pid file of ${runName}`).toBeTypeOf('number');
  const groups = await descendantGroups(pid!);
  cleanups.push(() => killGroups(groups));
  process.kill(pid!, 'SIGKILL');

  const failed = await waitFor(`${runName} failed by the hub's own reconcile`, run, (r) => r?.status === 'failed', { timeoutMs: 30_000 });
  expect(failed).toMatchObject({ status: 'failed', statusReason: 'The runner exited without finishing the job.' });

  const audit = (await call(h, 'audit.list', {})) as { actor: string; action: string; target: string }[];
  expect(audit.map((a) => `${a.actor} ${a.action} ${a.target}`)).toEqual(expect.arrayContaining(['admin projects.create alpha', 'admin users.create ana']));
  expect(audit.some((a) => a.action.startsWith('members.set'))).toBe(true);
  expect((await h.post('audit.list', {}, runner.token)).status).toBe(403);
});
