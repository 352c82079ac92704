// Runs on the AWS backend whose instance never started its runner, or is
// gone: `stop -x` ends the instance, and reconcile fails the run with EC2's
// own reason, which `dstack ps` shows. EC2 is mocked (aws-sdk-client-mock) by
// a small fleet that filters DescribeInstances as EC2 does; storage is real.
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Filter, Instance } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeClients } from '../../../main/backends/aws/clients';
import { createAwsBackend } from '../../../main/backends/aws/index';
import type { LaunchIntent } from '../../../main/backends/aws/compute/ledger';
import { psCommand } from '../../../main/cli/commands/ps';
import { CliContext } from '../../../main/cli/context';
import type { Backend } from '../../../main/core/backend';
import { keys } from '../../../main/core/keys';
import type { Project } from '../../../main/core/project';
import { reconcileOnce } from '../../../main/core/reconciler';
import { RunService } from '../../../main/core/runs';
import { BUCKET, makeJob, mockEc2Iam, REGION, tempStorage } from './fixtures';

let m: ReturnType<typeof mockEc2Iam>;
let fleet: Instance[];
let backend: Backend;
let runs: RunService;

/** DescribeInstances as EC2 answers it: only instances matching every filter (tags and state names). */
function describe_(filters: Filter[] = []): { Reservations: { Instances: Instance[] }[] } {
  const match = (i: Instance) =>
    filters.every((f) => {
      const values = f.Values ?? [];
      if (f.Name === 'instance-state-name') return values.includes(i.State!.Name!);
      if (f.Name?.startsWith('tag:')) return values.includes(i.Tags?.find((t) => t.Key === f.Name!.slice(4))?.Value ?? '');
      throw new Error(`the fleet does not know filter ${f.Name}`);
    });
  return { Reservations: [{ Instances: fleet.filter(match) }] };
}

function instance(id: string, jobId: string, state: 'running' | 'terminated', reason?: string, ageMs = 20 * 60_000): Instance {
  return {
    InstanceId: id,
    State: { Name: state },
    LaunchTime: new Date(Date.now() - ageMs),
    ...(reason ? { StateReason: { Code: reason.split(':')[0], Message: reason } } : {}),
    Tags: [
      { Key: 'dstack_bucket', Value: BUCKET },
      { Key: 'dstack_job', Value: jobId },
      { Key: 'dstack_repo', Value: 'acme/mnist' },
    ],
  };
}

/** A launch as `AwsCompute.launch` records it, `ageMs` ago. */
async function intendedLaunch(jobId: string, instanceId: string, ageMs: number): Promise<void> {
  const intent: LaunchIntent = { bucket: BUCKET, region: REGION, repo: 'acme/mnist', jobId, clientToken: 'x', createdAt: Date.now() - ageMs, instanceId };
  await backend.storage.put(keys.launchIntent(intent.repo, jobId), JSON.stringify(intent));
}

beforeEach(async () => {
  m = mockEc2Iam();
  fleet = [];
  m.ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[] }) => describe_(input.Filters));
  m.ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    for (const i of fleet) if (input.InstanceIds.includes(i.InstanceId!)) i.State = { Name: 'shutting-down' };
    return {};
  });
  const { storage, home } = await tempStorage();
  backend = await createAwsBackend({ type: 'aws', bucket: BUCKET, region: REGION }, { clients: makeClients(REGION, { profile: 'default' }, {}), storage, home });
  runs = new RunService(backend);
});
afterEach(async () => {
  await backend.close();
  m.ec2.restore();
  m.iam.restore();
});

/** `dstack ps -a` in a project of repo acme/mnist on this backend; returns what it printed. */
async function ps(): Promise<string> {
  class Ctx extends CliContext {
    override service(): Promise<RunService> {
      return Promise.resolve(runs);
    }
    override currentProject(): Promise<Project> {
      return Promise.resolve({ root: '/nowhere', repo: 'acme/mnist' });
    }
  }
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await psCommand(new Ctx()).parseAsync(['-a'], { from: 'user' });
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

describe('a run whose runner never started', () => {
  it('stop -x terminates its instance and aborts the run', async () => {
    const job = makeJob({ submittedAt: Date.now() - 10 * 60_000 });
    await runs.jobs.create(job);
    await intendedLaunch(job.id, 'i-stuck', 10 * 60_000);
    fleet.push(instance('i-stuck', job.id, 'running'));

    const stopped = await runs.stop(job.repo, job.runName, { abort: true });

    expect(m.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-stuck']]);
    expect(stopped).toMatchObject({ status: 'aborted', statusReason: 'Aborted before the runner started; instance i-stuck was terminated.' });
    expect((await runs.get(job.repo, job.runName)).status).toBe('aborted');
  });

  it('is failed with EC2\'s reason once its instance is gone, and ps shows it', async () => {
    const job = makeJob({ submittedAt: Date.now() - 10 * 60_000 });
    await runs.jobs.create(job);
    await intendedLaunch(job.id, 'i-gone', 10 * 60_000);
    fleet.push(instance('i-gone', job.id, 'terminated', 'Server.SpotInstanceTermination: Spot instance termination'));

    const out = await ps();

    const reason = 'The instance i-gone was terminated before the runner started: Server.SpotInstanceTermination: Spot instance termination.';
    expect((await runs.get(job.repo, job.runName))).toMatchObject({ status: 'failed', statusReason: reason });
    const line = out.split('\n').find((l) => l.startsWith(job.runName)) ?? `(no line for ${job.runName} in:\n${out})`;
    expect(line).toMatch(/\bfailed\b/);
    expect(line).toContain(reason);
  });

  it('is failed, and its instance terminated in the same pass, when the runner has not started 40 minutes after launch', async () => {
    const job = makeJob({ submittedAt: Date.now() - 45 * 60_000 });
    await runs.jobs.create(job);
    await intendedLaunch(job.id, 'i-hung', 45 * 60_000);
    fleet.push(instance('i-hung', job.id, 'running', undefined, 40 * 60_000));

    const result = await reconcileOnce(runs, [job.repo]);

    expect(result.errors).toEqual([]);
    const reason = 'The runner did not start within 30 minutes of instance i-hung\'s launch, so the instance is terminated. The bootstrap\'s log is in CloudWatch group /dstack/runners/dstack-142421590066-eu-west-1, stream grumpy-zebra-1,train,0.';
    expect(await runs.get(job.repo, job.runName)).toMatchObject({ status: 'failed', statusReason: reason });
    expect(m.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-hung']]);
  });

  it('is left alone while its instance is younger than that', async () => {
    const job = makeJob({ submittedAt: Date.now() - 15 * 60_000 });
    await runs.jobs.create(job);
    await intendedLaunch(job.id, 'i-booting', 15 * 60_000);
    fleet.push(instance('i-booting', job.id, 'running', undefined, 10 * 60_000));

    expect(await reconcileOnce(runs, [job.repo])).toEqual({ failed: [], errors: [] });
    expect((await runs.get(job.repo, job.runName)).status).toBe('submitted');
    expect(m.ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });
});
