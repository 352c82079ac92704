// EC2 as a test plays it, for the AWS end-to-end test and for a team hub in
// the same process: an aws-sdk-client-mock model of the account's instances
// (RunInstances keeps the UserData and tags, DescribeInstances filters by
// tag, TerminateInstances ends them), and a player that runs an instance's
// captured UserData with bash, the documented way (DSTACK_EXECUTOR=process,
// endpoints in AWS_*): the bootstrap fetches the runner bundle from the
// bucket with an `aws` stub that really downloads from s3rver, and starts the
// real runner as its own process. Its closing `shutdown -h now` goes to a
// stub that records it (a test may set DSTACK_NO_SHUTDOWN=1 instead).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DescribeInstancesCommand, DescribeSpotInstanceRequestsCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { RunInstancesCommandInput, Tag } from '@aws-sdk/client-ec2';
import { mockEc2Iam } from '../unit/aws/fixtures';
import { awsCliStub } from './aws-cli-stub';

export interface MockInstance {
  tags: Tag[];
  userData: string;
  state: 'running' | 'terminated';
  /** What the instance does when its OS shuts down; dstack asks for 'terminate', so the bootstrap's `shutdown` ends it. */
  shutdownBehavior: string | undefined;
  /** The access key of the client that launched it, as the SDK resolved its credentials. */
  launchedWithKey: string;
}

export interface Ec2Model {
  mocks: ReturnType<typeof mockEc2Iam>;
  instances: Map<string, MockInstance>;
  /** The id of the instance launched for the job whose id is `jobId`, if any. */
  instanceOfJob(jobId: string): string | undefined;
  /** Instance ids in each TerminateInstances call, in order. */
  terminateCalls(): string[][];
  restore(): void;
}

/** Mocks EC2 and IAM in this process (every client, whoever built it) with a small model of the account's instances. */
export function mockEc2Model(): Ec2Model {
  const mocks = mockEc2Iam();
  const instances = new Map<string, MockInstance>();
  let n = 0;
  mocks.ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput, getClient: () => { config: { credentials: () => Promise<{ accessKeyId: string }> } }) => {
    const launchedWithKey = (await getClient().config.credentials()).accessKeyId;
    const id = `i-${String(++n).padStart(8, '0')}`;
    instances.set(id, {
      tags: input.TagSpecifications!.find((t) => t.ResourceType === 'instance')!.Tags!,
      userData: Buffer.from(input.UserData!, 'base64').toString('utf8'),
      state: 'running',
      shutdownBehavior: input.InstanceInitiatedShutdownBehavior,
      launchedWithKey,
    });
    return { Instances: [{ InstanceId: id }] };
  });
  mocks.ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => ({
    Reservations: [
      {
        Instances: [...instances.entries()]
          .filter(([, i]) => i.state !== 'terminated')
          .filter(([, i]) => (input.Filters ?? []).filter((f) => f.Name.startsWith('tag:')).every((f) => i.tags.some((t) => `tag:${t.Key}` === f.Name && f.Values.includes(t.Value!))))
          .map(([id, i]) => ({ InstanceId: id, State: { Name: 'running' as const }, Tags: i.tags })),
      },
    ],
  }));
  mocks.ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    for (const id of input.InstanceIds) instances.get(id)!.state = 'terminated';
    return { TerminatingInstances: input.InstanceIds.map((InstanceId) => ({ InstanceId })) };
  });
  mocks.ec2.on(DescribeSpotInstanceRequestsCommand).resolves({ SpotInstanceRequests: [] });
  return {
    mocks,
    instances,
    instanceOfJob: (jobId) => [...instances.entries()].find(([, i]) => i.tags.some((t) => t.Key === 'dstack_job' && t.Value === jobId))?.[0],
    terminateCalls: () => mocks.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input.InstanceIds ?? []),
    restore: () => {
      mocks.ec2.restore();
      mocks.iam.restore();
    },
  };
}

export interface PlayedInstance {
  child: ChildProcess;
  /** The bootstrap's exit code (-1 if a signal ended it). */
  exit: Promise<number>;
  /** The bootstrap's and the runner's output so far. */
  output(): string;
  /** The arguments of each `shutdown` the bootstrap ran (a stub records them; the machine stays up). */
  shutdowns(): Promise<string[]>;
}

export interface InstanceEnvironment {
  /** A folder of the instance's own (its HOME, /opt/dstack and DSTACK_HOME go under it). */
  dir: string;
  s3Endpoint: string;
  /** The CloudWatch Logs and Secrets Manager stand-in. */
  standinEndpoint: string;
  /** The instance role's keys, as IMDS would hand them out. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Variables to add, or with undefined to remove (as a test of IMDS removes AWS_EC2_METADATA_DISABLED). */
  env?: Record<string, string | undefined>;
}

/** Plays an instance: runs its UserData with bash, as documented in userdata.ts, in an environment of the instance's own only. */
export async function playInstance(userData: string, env: InstanceEnvironment): Promise<PlayedInstance> {
  await mkdir(env.dir, { recursive: true });
  await writeFile(join(env.dir, 'userdata.sh'), userData);
  const bin = join(env.dir, 'bin');
  await awsCliStub(bin);
  // The bootstrap's own `shutdown` (which on EC2 ends the instance), recorded instead of powering anything off.
  const shutdownLog = join(env.dir, 'shutdown-calls');
  await writeFile(join(bin, 'shutdown'), `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(shutdownLog)}\n`);
  await chmod(join(bin, 'shutdown'), 0o755);
  const base: Record<string, string | undefined> = {
    PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: env.dir,
    DSTACK_HOME: join(env.dir, 'dstack-home'),
    DSTACK_RUNNER_HOME: join(env.dir, 'opt-dstack'),
    DSTACK_EXECUTOR: 'process',
    AWS_ENDPOINT_URL_S3: env.s3Endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: env.standinEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: env.standinEndpoint,
    AWS_ACCESS_KEY_ID: env.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const vars = Object.entries({ ...base, ...env.env }).filter((e): e is [string, string] => e[1] !== undefined);
  const child = spawn('bash', [join(env.dir, 'userdata.sh')], { env: Object.fromEntries(vars), stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, exit, output: () => out, shutdowns: async () => (await readFile(shutdownLog, 'utf8').catch(() => '')).split('\n').filter(Boolean) };
}
