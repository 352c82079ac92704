// The app's and the server's service reconcile on their own: at start and
// on a timer, with no CLI call. On AWS (s3rver for the bucket, EC2 mocked
// with aws-sdk-client-mock), an instance left by a launch whose job never
// got stored is terminated; on local (real runner processes), a run whose
// runner was killed is marked failed.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalCompute } from '../../../main/backends/local/compute';
import type { RunSummary } from '../../../main/common/job';
import { ApiService } from '../../../main/service/api';
import { descendantGroups, killGroups } from '../../helpers/process-tree';
import { startS3rver } from '../../helpers/s3rver';
import { mockEc2Iam } from '../../unit/aws/fixtures';
import { startHarness } from './harness';
import { waitFor } from '../../helpers/wait';

/** Polls `probe` until `done` holds for what it returns; fails naming what it saw last. */
function until<T>(what: string, probe: () => Promise<T> | T, done: (v: T) => boolean, ms = 30_000): Promise<T> {
  return waitFor(what, probe, done, { timeoutMs: ms });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the service reconciles at start and on its timer', () => {
  it('AWS: terminates an instance whose launch left an intent but no job, at start and again on the timer', async () => {
    const s3 = await startS3rver();
    cleanups.push(() => s3.stop());
    vi.stubEnv('AWS_ENDPOINT_URL_S3', s3.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
    const home = await mkdtemp(join(tmpdir(), 'dstack-reconcile-aws-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    await writeFile(join(home, 'config.yaml'), `backend: aws\nbucket: ${s3.bucket}\nregion: ${s3.region}\n`);
    // The app died right after RunInstances: the local ledger has the launch, the bucket has no job.
    const jobId = 'ghost-owl-1,train,0';
    const launched = { bucket: s3.bucket, region: s3.region, repo: 'acme/mnist', jobId, clientToken: 't', createdAt: Date.now() - 10 * 60_000, instanceId: 'i-ghost', event: 'launched' };
    await writeFile(join(home, 'aws-ledger.jsonl'), JSON.stringify(launched) + '\n', { mode: 0o600 });
    const m = mockEc2Iam();
    cleanups.push(() => (m.ec2.restore(), m.iam.restore()));
    const tags = [{ Key: 'dstack_bucket', Value: s3.bucket }, { Key: 'dstack_job', Value: jobId }, { Key: 'dstack_repo', Value: 'acme/mnist' }];
    m.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-ghost', State: { Name: 'running' }, Tags: tags }] }] });
    m.ec2.on(TerminateInstancesCommand).resolves({});
    const terminated = () => m.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds);

    const service = new ApiService({ home, version: 't', host: { transport: 'http' }, reconcileEveryMs: 500 });
    let disposed = false;
    cleanups.push(() => (disposed ? undefined : service.dispose()));

    expect(await until('TerminateInstances at start', terminated, (t) => t.length >= 1)).toEqual([['i-ghost']]);
    expect(await until('TerminateInstances again on the timer', terminated, (t) => t.length >= 2)).toEqual([['i-ghost'], ['i-ghost']]);
    await service.dispose();
    disposed = true;
    // No pass starts after dispose (one under way may still end with its call): three intervals later, at most that one more.
    const atDispose = terminated().length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(terminated().length).toBeLessThanOrEqual(atDispose + 1);
  });

  it('local: marks failed a run whose runner was killed, without any CLI call', async () => {
    vi.stubEnv('DSTACK_RECONCILE_MS', '500');
    const h = await startHarness();
    cleanups.push(() => h.close());
    const project = await mkdtemp(join(tmpdir(), 'dstack-reconcile-proj-'));
    cleanups.push(() => rm(project, { recursive: true, force: true }));
    await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
    await writeFile(join(project, '.dstack', 'workflows', 'w.yaml'), 'workflows:\n  - name: sleepy\n    provider: bash\n    commands:\n      - sleep 30\n');
    const call = async (op: string, input?: unknown): Promise<unknown> => {
      const r = await h.call(op, input);
      if ('error' in r.body) throw new Error(`${op}: ${JSON.stringify(r.body.error)}`);
      return r.body.result;
    };
    await call('setup.useLocal');
    const { id: projectId } = (await call('projects.open', { path: project })) as { id: string };
    const { runName } = (await call('runs.submit', { projectId, workflow: 'sleepy', args: [] })) as { runName: string };
    const run = async () => ((await call('runs.list', { projectId, all: true })) as RunSummary[]).find((r) => r.runName === runName);
    const running = await until(`${runName} running`, run, (r) => r?.status === 'running', 60_000);

    const compute = (await h.server.service.ctx.runs()).backend.compute as LocalCompute;
    const pid = await compute.pids.read(running!.jobId);
    expect(pid, `the pid file of ${runName}`).toBeTypeOf('number');
    const groups = await descendantGroups(pid!);
    cleanups.push(() => killGroups(groups));
    process.kill(pid!, 'SIGKILL');

    const failed = await until(`${runName} failed by the server's own reconcile`, run, (r) => r?.status === 'failed');
    expect(failed).toMatchObject({ status: 'failed', statusReason: 'The runner exited without finishing the job.' });
  });
});
