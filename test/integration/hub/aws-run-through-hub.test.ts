// `dstack run` through a team hub on an AWS project, end to end: a member's
// real CLI (a subprocess with no AWS keys, in a project folder of its own)
// runs hello through a real hub (HTTP, SQLite) that launches with the
// project's stored keys. S3 is s3rver, CloudWatch Logs and Secrets Manager
// are the loopback stand-in, EC2 and IAM are aws-sdk-client-mock in this
// process, which is why the hub runs in it too (startHub, as
// capacity-retry.test.ts does). The instance is played by running the
// captured UserData with bash: the real runner fetched from the bucket runs
// the job. The CLI prints the job's log; ps, logs and cp (presigned S3 URLs,
// never through the hub) show the run. The bootstrap's closing `shutdown`
// (which ends an EC2 instance) is recorded, the played machine stays up, and
// the hub's reconcile ends the finished or stopped job's instance with
// TerminateInstances.
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HUB_KEYCHAIN_SERVICE } from '../../../main/cli/commands/config-hub';
import { keys } from '../../../main/core/keys';
import { Keychain } from '../../../main/node/keychain';
import { ApiService } from '../../../main/service/api';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';
import { waitFor } from '../../helpers/wait';
import { MemberCli } from './cli-hub';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';
import { stubHubAwsEnv } from './hub-aws-env';
import type { Ec2Model, PlayedInstance } from '../../helpers/played-instance';
import { mockEc2Model, playInstance } from '../../helpers/played-instance';

const LONG = `workflows:
  - name: long
    provider: bash
    commands:
      - trap 'echo stopping; exit 0' TERM
      - echo "key=$HUB_KEY"
      - echo started
      - while true; do sleep 0.1; done
`;

let s3: S3rver;
let standin: AwsStandin;
let ec2: Ec2Model;
let h: HubHarness;
let url: string;
let tmp: string;
let mia: MemberCli;
const keychain = new Keychain(HUB_KEYCHAIN_SERVICE);
const played: PlayedInstance[] = [];
/** Artifact downloads the hub served itself (its ranged route); an AWS project's go straight to S3. */
let hubServed = 0;

/** The member's environment: this machine's, without a single AWS variable (no keys, profile or endpoint). */
function memberEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
}

async function admin(action: string, input: unknown): Promise<unknown> {
  const r = await h.post(action, input, h.adminToken);
  if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** Waits for the hub to launch `runName`'s instance, then plays it from its captured UserData; returns the instance id. */
async function playRun(runName: string): Promise<{ id: string; instance: PlayedInstance }> {
  const id = await waitFor(`RunInstances for ${runName} on the EC2 mock`, () => [...ec2.instances.entries()].find(([, i]) => i.tags.some((t) => t.Key === 'dstack_run' && t.Value === runName))?.[0], (found) => found !== undefined, { timeoutMs: 60_000 });
  const instance = await playInstance(ec2.instances.get(id!)!.userData, { dir: join(tmp, 'instances', id!), s3Endpoint: s3.endpoint, standinEndpoint: standin.endpoint, credentials: s3.credentials });
  played.push(instance);
  return { id: id!, instance };
}

/** Waits (bounded) for a process to exit; on a timeout the failure shows what it printed. */
async function exitCodeOf(what: string, child: ChildProcess, output: () => unknown, timeoutMs = 60_000): Promise<number | null> {
  await waitFor(`${what} to exit`, () => ({ exitCode: child.exitCode, signal: child.signalCode, output: output() }), (s) => s.exitCode !== null || s.signal !== null, { timeoutMs });
  return child.exitCode;
}

function statusIn(ps: string, run: string): string | undefined {
  return ps.split('\n').find((l) => l.startsWith(`${run} `))?.split(/\s+/)[2];
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-aws-run-'));
  s3 = await startS3rver();
  standin = await startAwsStandin({ region: s3.region });
  // The hub's own environment: endpoints only, no AWS keys, profile or credentials file.
  stubHubAwsEnv({ s3: s3.endpoint, logs: standin.endpoint, secrets: standin.endpoint });
  // The hub's AWS home: the launch ledger and the runner bundle it builds from source.
  vi.stubEnv('DSTACK_HOME', join(tmp, 'hub-home'));
  const original = ApiService.prototype.downloadSource;
  vi.spyOn(ApiService.prototype, 'downloadSource').mockImplementation(async function (this: ApiService, id: string, signal: AbortSignal) {
    hubServed++;
    return original.call(this, id, signal);
  });
  ec2 = mockEc2Model();
  h = await startHubHarness({ reconcileEveryMs: 300 });
  url = `http://127.0.0.1:${h.hub.port}/`;
  await admin('projects.create', { name: 'vision', backend: 'aws', settings: { region: s3.region, bucket: s3.bucket }, credentials: s3.credentials });
  const token = ((await admin('users.create', { name: 'mia' })) as { token: string }).token;
  // Secrets take a project admin; a project admin is still a member with no hub-wide rights.
  await admin('members.set', { project: 'vision', user: 'mia', role: 'admin' });
  const cwd = join(tmp, 'mia', 'project');
  const workflows = join(cwd, '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await copyFile(resolve(import.meta.dirname, '..', '..', '..', 'examples', 'hello', '.dstack', 'workflows', 'hello.yaml'), join(workflows, 'hello.yaml'));
  await writeFile(join(workflows, 'long.yaml'), LONG);
  mia = new MemberCli(cwd, join(tmp, 'mia', 'home'), memberEnv());
  expect(await mia.ok(['config', 'hub', '--url', url, '--project', 'vision'], `${token}\n`)).toContain('as mia: project vision');
}, 120_000);

afterAll(async () => {
  for (const p of played) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await keychain.delete(url).catch(() => false);
  await h?.close();
  ec2?.restore();
  await standin?.stop();
  await s3?.stop();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await rm(tmp, { recursive: true, force: true });
});

describe('dstack run through a team hub on an AWS project', () => {
  it("runs hello on a played instance launched with the project's keys; ps, logs and cp (presigned S3) show it; the instance is terminated", async () => {
    expect(Object.keys(mia.env!).filter((k) => k.startsWith('AWS_')), "the member's environment").toEqual([]);
    const run = mia.spawn(['run', 'hello']);
    const name = (
      await waitFor('the CLI to say which run it submitted', () => run.output().stderr, (e) => /Run [a-z]+-[a-z]+-\d+ \(hello\) submitted/.test(e), { timeoutMs: 60_000 })
    ).match(/Run ([a-z]+-[a-z]+-\d+) \(hello\)/)![1]!;
    const { id, instance } = await playRun(name);
    // The hub launched with the project's stored keys; neither it nor the member has any of its own.
    expect(ec2.instances.get(id)!.launchedWithKey).toBe(s3.credentials.accessKeyId);
    expect(process.env.AWS_ACCESS_KEY_ID, "the hub's environment").toBeUndefined();

    await exitCodeOf('dstack run hello', run.child, () => ({ cli: run.output(), instance: instance.output() }));
    const done = await run.exited;
    expect(done.code, `${done.stderr}\n--- instance:\n${instance.output()}`).toBe(0);
    expect(done.stderr).toMatch(new RegExp(`^Run ${name} \\(hello\\) submitted to the hub project vision\\. Ctrl\\+C stops it; press twice to abort\\.$`, 'm'));
    for (let i = 1; i <= 5; i++) expect(done.stdout).toContain(`Hello from dstack, line ${i} of 5\n`);
    expect(done.stdout).toContain('Saved output/hello.txt\n');
    expect(done.stderr).toContain(`Run ${name} done.`);
    expect(await exitCodeOf(`the played instance ${id}`, instance.child, instance.output), instance.output()).toBe(0);
    expect(instance.output().match(/dstack runner: running job /g), instance.output()).toHaveLength(1);
    // On EC2 the instance ends itself: the bootstrap shut it down, and it was launched to terminate on shutdown.
    expect(await instance.shutdowns()).toEqual(['-h now']);
    expect(ec2.instances.get(id)!.shutdownBehavior).toBe('terminate');

    const ps = await mia.ok(['ps', '-a']);
    expect(ps).toMatch(new RegExp(`^${name} +hello +done +\\d+ sec ago +aws`, 'm'));
    const logs = await mia.ok(['logs', name]);
    expect(logs).toContain('Hello from dstack, line 1 of 5\nHello from dstack, line 2 of 5\n');
    expect(logs).toContain('Saved output/hello.txt\n');
    expect(await mia.ok(['ls', name])).toMatch(/^output\/hello\.txt {2}\d+ B\n$/);

    hubServed = 0;
    const into = join(tmp, 'copies');
    expect(await mia.ok(['cp', name, 'output/hello.txt', `${into}/`])).toMatch(/^Copied 1 file\(s\), \d+ B, to .*copies\/\.\n$/);
    const got = await readFile(join(into, 'hello.txt'));
    expect(got.toString('utf8')).toBe(`Hello, world! Written by run ${name}.\n`);
    const jobId = ec2.instances.get(id)!.tags.find((t) => t.Key === 'dstack_job')!.Value!;
    const repo = ec2.instances.get(id)!.tags.find((t) => t.Key === 'dstack_repo')!.Value!;
    expect(got.equals(await readFile(s3.objectPath(keys.artifact(repo, jobId, 'output/hello.txt')))), 'the copy is the stored object, byte for byte').toBe(true);
    expect(hubServed, 'artifact downloads the hub served (an AWS project downloads from S3 through presigned URLs)').toBe(0);
    // The bootstrap shipped its own log to the runners' group the hub made with the project's keys.
    const runnerLog = standin.groups.get(`/dstack/runners/${s3.bucket}`)?.get(jobId.replace(/[:*]/g, '_'))?.map((e) => e.message);
    expect(runnerLog, JSON.stringify([...standin.groups.keys()])).toContain('dstack bootstrap: finished with exit code 0');

    // The played machine stays up after its shutdown; the hub's reconcile timer ends what a finished job left running.
    const terminated = await waitFor(`TerminateInstances for ${id}`, () => ec2.terminateCalls(), (calls) => calls.some((c) => c.includes(id)), { timeoutMs: 30_000 });
    expect(terminated.flat().filter((x) => x === id)).toHaveLength(1);
    expect(ec2.instances.get(id)!.state).toBe('terminated');
  }, 180_000);

  it('stops a long run through the hub: the runner ends the job (which got its secret from Secrets Manager), ps shows stopped, its instance is terminated, and rm removes it', async () => {
    expect(await mia.ok(['secrets', 'add', 'HUB_KEY'], 'open-sesame\n')).toBe('Secret HUB_KEY saved.\n');
    expect(standin.secrets.size, 'secrets in the Secrets Manager stand-in').toBe(1);
    const name = (await mia.ok(['run', '-d', 'long'])).trim();
    expect(name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const { id, instance } = await playRun(name);
    // Through a hub, `logs` follows the log to its end (the hub's one way to read it): follow until "started", then let go.
    const follow = mia.spawn(['logs', '-f', name]);
    try {
      await waitFor(`"started" in the log of ${name} through the hub`, () => follow.output(), (o) => o.stdout.includes('started\n'), { timeoutMs: 60_000 });
      // The secret reached the job on the instance, and its value is masked in the log.
      expect(follow.output().stdout).toMatch(/^key=\*+$/m);
      expect(follow.output().stdout).not.toContain('open-sesame');
    } finally {
      follow.child.kill('SIGINT');
      await exitCodeOf(`dstack logs -f ${name} after Ctrl+C`, follow.child, follow.output, 30_000);
    }
    expect(statusIn(await mia.ok(['ps', '-a']), name)).toBe('running');
    expect(ec2.instances.get(id)!.state).toBe('running');

    expect(await mia.ok(['stop', name])).toMatch(new RegExp(`^(Stop requested for ${name}|Run ${name} is stopped)\\.\\n$`));
    await waitFor(`${name} to show as stopped in ps`, async () => statusIn(await mia.ok(['ps', '-a']), name), (s) => s === 'stopped', { timeoutMs: 60_000, everyMs: 500 });
    expect(await exitCodeOf(`the played instance ${id}`, instance.child, instance.output), instance.output()).toBe(0);
    expect(await instance.shutdowns()).toEqual(['-h now']);
    expect(await mia.ok(['logs', name])).toContain('stopping\n');
    await waitFor(`TerminateInstances for ${id}`, () => ec2.terminateCalls(), (calls) => calls.some((c) => c.includes(id)), { timeoutMs: 30_000 });
    expect(ec2.instances.get(id)!.state).toBe('terminated');

    expect(await mia.ok(['rm', name])).toBe(`Removed ${name}.\n`);
    expect(statusIn(await mia.ok(['ps', '-a']), name)).toBeUndefined();
    expect(await mia.ok(['secrets', 'delete', 'HUB_KEY'])).toBe('Secret HUB_KEY deleted.\n');
    expect(standin.secrets.size, 'secrets in the Secrets Manager stand-in').toBe(0);
  }, 180_000);
});
