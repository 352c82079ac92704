import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CancelSpotInstanceRequestsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsCompute } from '../../../main/backends/aws/compute/index';
import { chooseType } from '../../../main/backends/aws/compute/instance-types';
import { hourlyPrice, PRICES_DATE } from '../../../main/backends/aws/compute/prices';
import { JobStore } from '../../../main/core/jobs';
import { keys } from '../../../main/core/keys';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { awsError, BUCKET, makeJob, mockEc2Iam, REGION, tempStorage } from './fixtures';

let standin: AwsStandin;
beforeAll(async () => {
  standin = await startAwsStandin();
});
afterAll(() => standin.stop());

type Mocks = ReturnType<typeof mockEc2Iam>;
let mocks: Mocks;
let sleeps: number[];

/** The repo's suffix on its instance role and profile: 8 hex of its SHA-256. */
const sha8 = (repo: string) => createHash('sha256').update(repo).digest('hex').slice(0, 8);

async function compute() {
  const { storage, home } = await tempStorage();
  const bundle = join(home, 'runner.mjs');
  await writeFile(bundle, 'console.log("runner")\n');
  const logs = new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  sleeps = [];
  const c = new AwsCompute({
    config: { type: 'aws', bucket: BUCKET, region: REGION },
    ec2: new EC2Client({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    logs,
    storage,
    home,
    runnerBundle: async () => bundle,
    sleep: async (ms) => void sleeps.push(ms),
    propagationDelays: [10, 20, 40],
  });
  return { c, storage, home };
}

function runInput(i = 0): RunInstancesCommandInput {
  return mocks.ec2.commandCalls(RunInstancesCommand)[i]!.args[0].input;
}

beforeEach(() => {
  mocks = mockEc2Iam();
});
afterEach(() => {
  mocks.ec2.restore();
  mocks.iam.restore();
});

describe('instance type selection', () => {
  it('reads every page of DescribeInstanceTypes and picks the cheapest type that fits, with its price', async () => {
    const { c } = await compute();
    const offer = await c.offer(makeJob({ resources: { cpu: 4, memoryMiB: 12 * 1024, interruptible: false } }));
    expect(mocks.ec2.commandCalls(DescribeInstanceTypesCommand)).toHaveLength(2);
    expect(offer).toMatchObject({ instanceType: 'm5.xlarge', cpu: 4, spot: false, region: REGION, pricePerHour: hourlyPrice(REGION, 'm5.xlarge', false) });
  });

  it('matches GPU name, count and memory, and prices spot from the labelled estimate', async () => {
    const { c } = await compute();
    const a10 = await c.offer(makeJob({ resources: { gpu: { count: 1, name: 'a10g' }, interruptible: true } }));
    expect(a10.instanceType).toBe('g5.xlarge');
    expect(a10.spot).toBe(true);
    expect(a10.pricePerHour).toBeLessThan(hourlyPrice(REGION, 'g5.xlarge', false)!);
    const fourT4 = await c.offer(makeJob({ resources: { gpu: { count: 4 }, interruptible: false } }));
    expect(fourT4.instanceType).toBe('g4dn.12xlarge');
    const big = await c.offer(makeJob({ resources: { gpu: { count: 1, memoryMiB: 20 * 1024 }, interruptible: false } }));
    expect(big.instanceType).toBe('g5.xlarge');
    expect(PRICES_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('says why nothing fits', async () => {
    const { c } = await compute();
    await expect(c.offer(makeJob({ resources: { gpu: { count: 1, name: 'A100' }, interruptible: false } }))).rejects.toThrow(
      /No instance type fits .*A100.*no type in eu-west-1 has A100 GPUs \(available: T4, A10G, V100\)/,
    );
    await expect(c.offer(makeJob({ resources: { gpu: { count: 8, name: 'T4' }, interruptible: false } }))).rejects.toThrow(/at most 4 T4 GPUs/);
    await expect(c.offer(makeJob({ resources: { memoryMiB: 512 * 1024, interruptible: false } }))).rejects.toThrow(/the largest type has 128 GiB of memory/);
  });

  it('skips types the price table does not cover', () => {
    const offer = chooseType([{ instanceType: 'x9.huge', cpu: 2, memoryMiB: 8192, spot: true }, { instanceType: 't3.large', cpu: 2, memoryMiB: 8192, spot: true }], { interruptible: false }, REGION);
    expect(offer.instanceType).toBe('t3.large');
  });
});

describe('launch', () => {
  it('calls RunInstances with the profile, tags on instance and volume, IMDSv2, terminate on shutdown and a job-derived ClientToken', async () => {
    const { c, storage, home } = await compute();
    const job = makeJob();
    await c.launch(job);
    const input = runInput();
    expect(input).toMatchObject({
      ImageId: 'ami-new',
      InstanceType: 't3.medium',
      MinCount: 1,
      MaxCount: 1,
      IamInstanceProfile: { Name: `dstack_role_dstack_142421590066_eu_west_1_${sha8(job.repo)}` },
      InstanceInitiatedShutdownBehavior: 'terminate',
      // Hop limit 1: a container on the instance cannot reach IMDS, so only the runner holds the role.
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
      NetworkInterfaces: [{ SubnetId: 'subnet-a', Groups: ['sg-1'], DeviceIndex: 0 }],
    });
    expect(input.InstanceMarketOptions).toBeUndefined();
    const tags = [
      { Key: 'dstack_bucket', Value: BUCKET },
      { Key: 'dstack_run', Value: job.runName },
      { Key: 'dstack_job', Value: job.id },
      { Key: 'dstack_repo', Value: job.repo },
    ];
    for (const rt of ['instance', 'volume']) {
      expect(input.TagSpecifications!.find((t) => t.ResourceType === rt)!.Tags).toEqual(expect.arrayContaining(tags));
    }
    expect(input.ClientToken).toMatch(/^[0-9a-f]{64}$/);
    // The same job launched again (a retry after a crash) sends the same token, so EC2 starts one instance.
    await c.launch(job);
    expect(runInput(1).ClientToken).toBe(input.ClientToken);
    await c.launch(makeJob({ id: 'other,train,0' }));
    expect(runInput(2).ClientToken).not.toBe(input.ClientToken);
    // Another project's job gets its own role, which cannot read this project's secrets.
    await c.launch(makeJob({ id: 'elsewhere,train,0', repo: 'acme/other' }));
    expect(runInput(3).IamInstanceProfile).toEqual({ Name: `dstack_role_dstack_142421590066_eu_west_1_${sha8('acme/other')}` });

    const userData = Buffer.from(input.UserData!, 'base64').toString('utf8');
    expect(userData).toMatch(/^#!\/bin\/bash/);
    expect(userData).toContain(`DSTACK_JOB='${job.id}'`);
    expect(userData).toContain('shutdown -h now');
    const runnerKey = /DSTACK_RUNNER_KEY='([^']+)'/.exec(userData)![1]!;
    expect(runnerKey).toMatch(/^runners\/[0-9a-f]{16}\/runner\.mjs$/);
    expect((await storage.get(runnerKey))!.toString()).toBe('console.log("runner")\n');

    // The launch intent is in the bucket and in the local ledger, with the instance id.
    const intent = JSON.parse((await storage.get(keys.launchIntent(job.repo, job.id)))!.toString()) as { instanceId: string };
    expect(intent.instanceId).toBe('i-0123');
    const ledger = (await readFile(join(home, 'aws-ledger.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(ledger.slice(0, 2).map((e) => e.event)).toEqual(['intent', 'launched']);
    // Log groups for the job and the runner exist before the runner starts.
    expect([...standin.groups.keys()]).toEqual(expect.arrayContaining([`/dstack/jobs/${BUCKET}/acme/mnist`, `/dstack/runners/${BUCKET}`]));
  });

  it('uses spot one-time/terminate for interruptible jobs, tags the spot request, and the GPU image for GPU jobs', async () => {
    const { c } = await compute();
    await c.launch(makeJob({ resources: { gpu: { count: 1, name: 'T4' }, interruptible: true } }));
    const input = runInput();
    expect(input.InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } });
    expect(input.TagSpecifications!.map((t) => t.ResourceType)).toEqual(['instance', 'volume', 'spot-instances-request']);
    expect(input.InstanceType).toBe('g4dn.xlarge');
    const images = mocks.ec2.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input);
    expect(images[0]).toMatchObject({ Owners: ['amazon'], Filters: expect.arrayContaining([{ Name: 'name', Values: ['Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *'] }]) });
    expect(input.BlockDeviceMappings![0]!.Ebs!.VolumeSize).toBe(100);
  });

  it('retries through IAM propagation, then moves to the next zone when one has no capacity', async () => {
    const { c } = await compute();
    mocks.ec2
      .on(RunInstancesCommand)
      .rejectsOnce(awsError('InvalidParameterValue', 'Value (dstack_role_x) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'))
      .rejectsOnce(awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient t3.medium capacity in the Availability Zone you requested'))
      .resolves({ Instances: [{ InstanceId: 'i-9' }] });
    await c.launch(makeJob());
    expect(sleeps).toEqual([10]);
    expect(mocks.ec2.commandCalls(RunInstancesCommand).map((x) => x.args[0].input.NetworkInterfaces![0]!.SubnetId)).toEqual(['subnet-a', 'subnet-a', 'subnet-b']);
  });

  it('maps the errors a user meets to one clear message each', async () => {
    const { c } = await compute();
    const gpuJob = makeJob({ resources: { gpu: { count: 1, name: 'T4' }, interruptible: false } });
    mocks.ec2.on(RunInstancesCommand).rejects(awsError('VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit of 0'));
    await expect(c.launch(gpuJob)).rejects.toMatchObject({
      code: 'quota',
      message: expect.stringContaining('g4dn.xlarge'),
      fix: expect.stringMatching(/Service Quotas.*Running On-Demand G and VT instances/),
    });
    mocks.ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));
    await expect(c.launch(makeJob({ resources: { interruptible: true } }))).rejects.toMatchObject({ code: 'capacity', message: expect.stringContaining('no spot capacity') });
    mocks.ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    await expect(c.launch(makeJob())).rejects.toMatchObject({ code: 'permission', message: expect.stringContaining('ec2:RunInstances') });
    mocks.ec2.on(RunInstancesCommand).rejects(awsError('ExpiredToken', 'The security token included in the request is expired', 400));
    await expect(c.launch(makeJob())).rejects.toMatchObject({ code: 'credentials' });
    mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await expect(c.launch(makeJob())).rejects.toMatchObject({ code: 'config', message: 'There is no default VPC in eu-west-1.', fix: expect.stringContaining('create-default-vpc') });
  });

  it('settles the intent when RunInstances fails, so nothing counts as alive', async () => {
    const { c, storage } = await compute();
    mocks.ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));
    const job = makeJob();
    await expect(c.launch(job)).rejects.toThrow();
    expect(await storage.get(keys.launchIntent(job.repo, job.id))).toBeUndefined();
    expect(await c.isAlive(job)).toBe(false);
  });
});

describe('reconcile', () => {
  it('terminates instances whose job is finished or unknown and cancels their spot requests, keeping live ones', async () => {
    const { c, storage } = await compute();
    const store = new JobStore(storage);
    const live = makeJob({ id: 'live,train,0' });
    const done = makeJob({ id: 'done,train,0' });
    await store.create(live);
    await store.create(done);
    await store.setStatus(done.repo, done.id, 'failed');
    const inst = (id: string, jobId?: string) => ({
      InstanceId: id,
      State: { Name: 'running' as const },
      Tags: [{ Key: 'dstack_bucket', Value: BUCKET }, ...(jobId ? [{ Key: 'dstack_job', Value: jobId }, { Key: 'dstack_repo', Value: 'acme/mnist' }] : [])],
    });
    mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [inst('i-live', live.id), inst('i-done', done.id), inst('i-unknown', 'gone,train,0'), inst('i-untagged')] }] });
    mocks.ec2.on(DescribeSpotInstanceRequestsCommand).resolves({
      SpotInstanceRequests: [
        { SpotInstanceRequestId: 'sir-done', State: 'active', Tags: [{ Key: 'dstack_job', Value: done.id }, { Key: 'dstack_repo', Value: 'acme/mnist' }] },
        { SpotInstanceRequestId: 'sir-live', State: 'active', Tags: [{ Key: 'dstack_job', Value: live.id }, { Key: 'dstack_repo', Value: 'acme/mnist' }] },
      ],
    });
    await c.reconcile();
    const filters = mocks.ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters!;
    expect(filters).toContainEqual({ Name: 'tag:dstack_bucket', Values: [BUCKET] });
    expect(mocks.ec2.commandCalls(TerminateInstancesCommand).map((x) => x.args[0].input.InstanceIds)).toEqual([['i-done', 'i-unknown', 'i-untagged']]);
    expect(mocks.ec2.commandCalls(CancelSpotInstanceRequestsCommand).map((x) => x.args[0].input.SpotInstanceRequestIds)).toEqual([['sir-done']]);
  });

  it('finds an instance launched just before the app died through its tags, and ends it once the job is over', async () => {
    const { c, storage } = await compute();
    const job = makeJob();
    await new JobStore(storage).create(job);
    await c.launch(job);
    mocks.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0123', State: { Name: 'running' }, Tags: [{ Key: 'dstack_bucket', Value: BUCKET }, { Key: 'dstack_job', Value: job.id }, { Key: 'dstack_repo', Value: job.repo }] }] }],
    });
    expect(await c.isAlive(job)).toBe(true);
    await c.reconcile();
    expect(mocks.ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    await new JobStore(storage).setStatus(job.repo, job.id, 'aborted');
    await c.reconcile();
    expect(mocks.ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input.InstanceIds).toEqual(['i-0123']);
  });
});
