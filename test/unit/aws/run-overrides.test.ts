// A run's resource overrides reach EC2: the instance type, the market and the
// image follow the override, not the workflow file. Real files and storage;
// EC2 and IAM mocked; CloudWatch Logs on the loopback stand-in.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeClients } from '../../../main/backends/aws/clients';
import { createAwsBackend } from '../../../main/backends/aws/index';
import { openProject } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { BUCKET, mockEc2Iam, REGION, tempStorage } from './fixtures';

const WORKFLOW = `workflows:
  - name: train
    provider: bash
    commands:
      - python train.py
    resources:
      gpu:
        name: T4
        count: 1
      interruptible: true
`;

let standin: AwsStandin;
let mocks: ReturnType<typeof mockEc2Iam>;
let project: string;
let runs: RunService;
beforeAll(async () => {
  standin = await startAwsStandin();
});
afterAll(() => standin.stop());
beforeEach(async () => {
  mocks = mockEc2Iam();
  project = await mkdtemp(join(tmpdir(), 'dstack-overrides-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'train.yaml'), WORKFLOW);
  await writeFile(join(project, 'train.py'), 'print("hi")\n');
  const { storage, home } = await tempStorage();
  const runnerBundle = join(home, 'runner.mjs');
  await writeFile(runnerBundle, 'console.log("runner")\n');
  const clients = {
    ...makeClients(REGION, { profile: 'default' }, {}),
    logs: new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  };
  runs = new RunService(await createAwsBackend({ type: 'aws', bucket: BUCKET, region: REGION }, { clients, storage, home, runnerBundle }));
});
afterEach(async () => {
  mocks.ec2.restore();
  mocks.iam.restore();
  await rm(project, { recursive: true, force: true });
});

function launched() {
  return mocks.ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
}

describe('resource overrides on AWS', () => {
  it('launches what the workflow asks for when nothing is overridden', async () => {
    const job = await runs.submit(project, 'train');
    expect(launched().map((i) => [i.InstanceType, i.InstanceMarketOptions?.MarketType])).toEqual([['g4dn.xlarge', 'spot']]);
    expect(job.offer).toMatchObject({ instanceType: 'g4dn.xlarge', spot: true });
  });

  it('launches an on-demand CPU instance with the plain image when the run drops the GPU and spot', async () => {
    const job = await runs.submit(project, 'train', { overrides: { gpu: 0, cpu: 8, memory: '16GB', spot: false } });
    const [input] = launched();
    expect(input?.InstanceType).toBe('c5.2xlarge');
    expect(input?.InstanceMarketOptions).toBeUndefined();
    const imageFilters = mocks.ec2.commandCalls(DescribeImagesCommand).map((c) => JSON.stringify(c.args[0].input.Filters));
    expect(imageFilters.join()).not.toMatch(/Nvidia/);
    expect(job.resources).toMatchObject({ cpu: 8, memoryMiB: 16384, interruptible: false });
    expect(job.resources.gpu).toBeUndefined();
    expect(job.offer).toMatchObject({ instanceType: 'c5.2xlarge', spot: false });
  });

  it('refuses a memory size without a unit before anything is stored or launched', async () => {
    await expect(runs.submit(project, 'train', { overrides: { memory: '16' } })).rejects.toThrow('Invalid memory "16".');
    expect(launched()).toEqual([]);
    expect(await runs.list((await openProject(project)).repo, { all: true })).toEqual([]);
  });
});
