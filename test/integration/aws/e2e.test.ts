/**
 * One AWS run end to end, with no AWS: S3 is s3rver, CloudWatch Logs and
 * Secrets Manager are the loopback stand-in, EC2 and IAM are mocks that keep
 * a small model of the account's instances (test/helpers/played-instance.ts).
 * The "instance" is played by running the RunInstances UserData with bash,
 * the documented way (DSTACK_EXECUTOR=process, DSTACK_NO_SHUTDOWN=1,
 * endpoints in AWS_*): it fetches the runner bundle from the bucket with `aws
 * s3 cp` (a stub that really downloads from s3rver) and starts the real
 * runner as its own process: the single-file runner.mjs the app built from
 * main/runner/entry.ts and uploaded, run by plain Node in a folder with no
 * node_modules.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createAwsBackend } from '../../../main/backends/aws/index';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import type { AwsBackendConfig } from '../../../main/common/config';
import type { Job } from '../../../main/common/job';
import { isTerminal } from '../../../main/common/status';
import type { Backend } from '../../../main/core/backend';
import { repoIdOf } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { startImdsStandin } from '../../helpers/imds-standin';
import type { Ec2Model, PlayedInstance } from '../../helpers/played-instance';
import { mockEc2Model, playInstance } from '../../helpers/played-instance';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';

const BUCKET = 'dstack-000000000000-us-east-1';
const REGION = 'us-east-1';
let s3: S3rver;
let standin: AwsStandin;
let work: string;
/** The account's instances as the EC2 mock sees them. */
let ec2: Ec2Model;
const players: ChildProcess[] = [];

beforeAll(async () => {
  s3 = await startS3rver({ bucket: BUCKET });
  standin = await startAwsStandin({ pageSize: 5, emptyPages: true });
});
afterAll(async () => {
  await standin?.stop();
  await s3?.stop();
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'dstack-aws-e2e-'));
  ec2 = mockEc2Model();
});
afterEach(async () => {
  for (const p of players) if (p.exitCode === null) p.kill('SIGKILL');
  players.length = 0;
  ec2.restore();
  await rm(work, { recursive: true, force: true });
});

const config: AwsBackendConfig = { type: 'aws', bucket: BUCKET, region: REGION };

const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The app's backend: real S3 storage and stand-in clients, mocked EC2/IAM. */
async function appBackend(home: string): Promise<Backend> {
  // No runnerBundle: from source, the app bundles main/runner/entry.ts into one runner.mjs, as the build does.
  return createAwsBackend(config, {
    home,
    logPollMs: 100,
    propagationDelays: [1],
    storage: new S3Storage(BUCKET, createS3Client({ region: REGION, credentials: creds, endpoint: s3.endpoint })),
    clients: {
      region: REGION,
      s3: new S3Client({ region: REGION }),
      sts: new STSClient({ region: REGION }),
      // Keys of its own, as the app's client has: the EC2 model records the key each launch was made with.
      ec2: new EC2Client({ region: REGION, credentials: creds }),
      iam: new IAMClient({ region: REGION }),
      logs: new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: creds }),
      secrets: new SecretsManagerClient({ region: REGION, endpoint: standin.endpoint, credentials: creds }),
    },
  });
}

/** Plays the instance with the shared player, its shutdown turned off (DSTACK_NO_SHUTDOWN=1). `env` adds (or, with undefined, removes) variables. */
async function play(instanceId: string, env: Record<string, string | undefined> = {}): Promise<PlayedInstance> {
  const played = await playInstance(ec2.instances.get(instanceId)!.userData, {
    dir: join(work, instanceId),
    s3Endpoint: s3.endpoint,
    standinEndpoint: standin.endpoint,
    credentials: creds,
    env: { DSTACK_NO_SHUTDOWN: '1', ...env },
  });
  players.push(played.child);
  return played;
}

async function project(commands: string[], opts: { interruptible?: boolean } = {}): Promise<string> {
  const dir = join(work, 'project');
  await mkdir(join(dir, '.dstack', 'workflows'), { recursive: true });
  const lines = ['workflows:', '  - name: train', '    provider: bash', '    commands:', ...commands.map((c) => `      - ${JSON.stringify(c)}`), '    artifacts:', '      - path: out'];
  if (opts.interruptible) lines.push('    resources:', '      interruptible: true');
  lines.push('');
  await writeFile(join(dir, '.dstack', 'workflows', 'train.yaml'), lines.join('\n'));
  return dir;
}

function instanceOf(job: Job): string {
  const found = ec2.instanceOfJob(job.id);
  if (!found) throw new Error(`no instance for ${job.id}`);
  return found;
}

async function waitFor(runs: RunService, job: Job, pred: (j: Job) => boolean): Promise<Job> {
  const end = Date.now() + 60_000;
  for (;;) {
    const j = await runs.jobs.require(job.repo, job.id);
    if (pred(j) || Date.now() > end) return j;
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('runs a job on the played instance: live logs through FilterLogEvents, artifacts downloaded', async () => {
  const home = join(work, 'home');
  const backend = await appBackend(home);
  try {
    const runs = new RunService(backend);
    const dir = await project(['echo hello from ec2', 'echo oops >&2', 'test "$WANDB_KEY" = s3cr3t && echo secret arrived', 'mkdir -p out && echo result > out/r.txt', 'echo finished']);
    // A secret in Secrets Manager reaches the job as an environment variable.
    await backend.secrets.set(await repoIdOf(dir), 'WANDB_KEY', 's3cr3t');
    const job = await runs.submit(dir, 'train');
    expect(job.offer).toMatchObject({ instanceType: 't3.medium', region: REGION });
    const played = await play(instanceOf(job));
    const lines: string[] = [];
    for await (const batch of await runs.logs(job.repo, job.runName, { follow: true })) {
      lines.push(...batch.filter((e) => e.stream !== 'system').map((e) => `${e.stream}: ${e.text}`));
    }
    expect(await played.exit, played.output()).toBe(0);
    // The bootstrap's `node runner.mjs` started the runner exactly once.
    expect(played.output().match(/dstack runner: running job /g), played.output()).toHaveLength(1);
    // Order holds within a stream; stdout and stderr are two pipes, so their interleaving is not defined.
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout: hello from ec2', 'stdout: secret arrived', 'stdout: finished']);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual(['stderr: oops']);
    const done = await runs.get(job.repo, job.runName);
    expect(done.status).toBe('done');
    const dest = join(work, 'dl', 'r.txt');
    await backend.storage.downloadFile(`artifacts/${job.repo}/${job.id}/out/r.txt`, dest);
    expect(await readFile(dest, 'utf8')).toBe('result\n');
    // The app read logs with FilterLogEvents only; the runner wrote them with PutLogEvents.
    const logActions = new Set(standin.calls.filter((c) => c.service === 'logs').map((c) => c.action));
    expect(logActions).toContain('FilterLogEvents');
    expect(logActions).toContain('PutLogEvents');
    expect(logActions).not.toContain('GetLogEvents');
    // The bootstrap shipped its own and the runner's output to the runners group.
    const runnerLog = standin.groups.get(`/dstack/runners/${BUCKET}`)!.get(job.id)!.map((e) => e.message);
    expect(runnerLog).toContain('dstack bootstrap: finished with exit code 0');
    // The finished job's instance is an orphan now (on EC2 it would have shut itself down): reconcile ends it.
    await backend.compute.reconcile();
    expect(ec2.instances.get(instanceOf(job))!.state).toBe('terminated');
  } finally {
    await backend.close();
  }
});

it('stops and aborts a job running on the played instance', async () => {
  const backend = await appBackend(join(work, 'home'));
  try {
    const runs = new RunService(backend);
    const dir = await project(['echo started', 'sleep 30', 'echo never']);
    for (const abort of [false, true]) {
      const job = await runs.submit(dir, 'train');
      const played = await play(instanceOf(job));
      await waitFor(runs, job, (j) => j.status === 'running');
      await runs.stop(job.repo, job.runName, { abort });
      const end = await waitFor(runs, job, (j) => isTerminal(j.status));
      expect(end.status, played.output()).toBe(abort ? 'aborted' : 'stopped');
      expect(await played.exit).toBe(0);
    }
  } finally {
    await backend.close();
  }
});

it('terminates the orphan of an app killed right after RunInstances, on its next start', async () => {
  const home = join(work, 'home');
  const first = await appBackend(home);
  const runs = new RunService(first);
  const job = await runs.submit(await project(['echo hi']), 'train');
  const id = instanceOf(job);
  // The app dies here: nothing after RunInstances happens, and the instance never runs the job.
  await first.close();
  const ledger = await readFile(join(home, 'aws-ledger.jsonl'), 'utf8');
  expect(ledger).toContain(id);

  const second = await appBackend(home);
  try {
    const again = new RunService(second);
    await second.compute.reconcile();
    // The job is still going as far as anyone knows, so its instance stays.
    expect(ec2.instances.get(id)!.state).toBe('running');
    // The user aborts it before its runner started: nobody would read the request, so the instance is ended at once (as dstack 0.7 did).
    const end = await again.stop(job.repo, job.runName, { abort: true });
    expect(end).toMatchObject({ status: 'aborted', statusReason: `Aborted before the runner started; instance ${id} was terminated.` });
    expect(ec2.instances.get(id)!.state).toBe('terminated');
    expect(ec2.terminateCalls()).toEqual([[id]]);
    // Nothing is left behind for the next reconcile.
    await second.compute.reconcile();
    expect(ec2.terminateCalls()).toHaveLength(1);
  } finally {
    await second.close();
  }
});

/** The job's log as the app reads it, one `stream: text` per line. */
async function logLines(runs: RunService, job: Job): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of await runs.logs(job.repo, job.runName)) out.push(...batch.map((e) => `${e.stream}: ${e.text}`));
  return out;
}

it('stops a spot job on an interruption notice from IMDSv2, saves its artifacts and fails it with the reason', async () => {
  const imds = await startImdsStandin();
  const backend = await appBackend(join(work, 'home'));
  try {
    const runs = new RunService(backend);
    const dir = await project(['mkdir -p out && echo partial > out/r.txt', 'echo started', 'sleep 60', 'echo never'], { interruptible: true });
    const job = await runs.submit(dir, 'train');
    expect(job.offer?.spot).toBe(true);
    const played = await play(instanceOf(job), { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, AWS_EC2_METADATA_DISABLED: undefined, DSTACK_SPOT_POLL_MS: '100' });
    const deadline = Date.now() + 30_000;
    while (!(await logLines(runs, job)).includes('stdout: started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // The runner has been asking all along; AWS posts the notice two minutes before it takes the instance.
    expect(imds.calls.filter((c) => c.method === 'GET' && c.status === 404).length, played.output()).toBeGreaterThan(0);
    imds.notice = { action: 'terminate', time: '2026-11-28T12:34:00Z' };
    const end = await waitFor(runs, job, (j) => isTerminal(j.status));
    expect(end.status, played.output()).toBe('failed');
    expect(end.statusReason).toBe('The spot instance was interrupted by AWS (terminate at 12:34 UTC); artifacts were saved.');
    expect(end.exitCode).toBe(143);
    expect(await played.exit).toBe(0);
    const lines = await logLines(runs, job);
    expect(lines).toContain('system: The spot instance was interrupted by AWS (terminate at 12:34 UTC): sending SIGTERM, SIGKILL in 10 s, then saving the artifacts.');
    expect(lines).not.toContain('stdout: never');
    const dest = join(work, 'dl', 'r.txt');
    await backend.storage.downloadFile(`artifacts/${job.repo}/${job.id}/out/r.txt`, dest);
    expect(await readFile(dest, 'utf8')).toBe('partial\n');
    // IMDSv2 only: every GET carried a session token that a PUT with a TTL handed out.
    const puts = imds.calls.filter((c) => c.method === 'PUT');
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((c) => c.status === 200 && Number(c.ttl) > 0)).toBe(true);
    expect(imds.calls.filter((c) => c.method === 'GET').every((c) => c.token && c.status !== 401)).toBe(true);
  } finally {
    await backend.close();
    await imds.stop();
  }
});

it('runs a spot job to the end where there is no IMDS, saying so once; an on-demand job never asks IMDS', async () => {
  const imds = await startImdsStandin();
  const nothing = createServer();
  await new Promise<void>((r) => nothing.listen(0, '127.0.0.1', r));
  const noImds = `http://127.0.0.1:${(nothing.address() as AddressInfo).port}`;
  await new Promise<void>((r) => nothing.close(() => r()));
  const backend = await appBackend(join(work, 'home'));
  try {
    const runs = new RunService(backend);
    const onDemand = await runs.submit(await project(['mkdir -p out && echo hi > out/h.txt']), 'train');
    const first = await play(instanceOf(onDemand), { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, AWS_EC2_METADATA_DISABLED: undefined, DSTACK_SPOT_POLL_MS: '50' });
    expect(await first.exit, first.output()).toBe(0);
    expect(await runs.jobs.require(onDemand.repo, onDemand.id), first.output()).toMatchObject({ status: 'done' });
    expect(imds.calls).toEqual([]);

    const spot = await runs.submit(await project(['echo hi', 'sleep 1', 'mkdir -p out && echo r > out/r.txt'], { interruptible: true }), 'train');
    const played = await play(instanceOf(spot), { AWS_EC2_METADATA_SERVICE_ENDPOINT: noImds, AWS_EC2_METADATA_DISABLED: undefined, DSTACK_SPOT_POLL_MS: '50' });
    expect(await played.exit, played.output()).toBe(0);
    expect(await runs.jobs.require(spot.repo, spot.id), played.output()).toMatchObject({ status: 'done' });
    expect(played.output().match(/spot interruption notices cannot be read/g), played.output()).toHaveLength(1);
    expect(await logLines(runs, spot)).not.toContainEqual(expect.stringContaining('metadata'));
  } finally {
    await backend.close();
    await imds.stop();
  }
});
