// Jobs refused for lack of capacity wait and are tried again by the hub's
// own timer: an AWS project (S3 in s3rver, CloudWatch Logs in the stand-in,
// EC2 and IAM in aws-sdk-client-mock) whose RunInstances answers
// InsufficientInstanceCapacity a few times, then launches. The run shows why
// it waits and when it tries again; exactly one instance is launched, even
// with two hubs serving the project; a stop ends the waiting.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../../main/common/job';
import type { RunningHub } from '../../../main/hub/server/hub-server';
import { startHub } from '../../../main/hub/server/hub-server';
import { projectHome } from '../../../main/hub/server/project-backend';
import { openHubStore } from '../../../main/hub/sql-store';
import type { HubStore } from '../../../main/hub/store';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';
import { waitFor } from '../../helpers/wait';
import { awsError, mockEc2Iam } from '../../unit/aws/fixtures';
import { stubHubAwsEnv } from './hub-aws-env';

let s3: S3rver;
let logs: AwsStandin;
let scratch: string;
beforeAll(async () => {
  s3 = await startS3rver();
  logs = await startAwsStandin({ region: s3.region });
  scratch = await mkdtemp(join(tmpdir(), 'dstack-capacity-'));
  const bundle = join(scratch, 'runner.mjs');
  await writeFile(bundle, 'console.log("runner");\n');
  stubHubAwsEnv({ s3: s3.endpoint, logs: logs.endpoint });
  vi.stubEnv('DSTACK_RUNNER_BUNDLE', bundle);
  vi.stubEnv('DSTACK_HOME', join(scratch, 'home'));
});
afterAll(async () => {
  await logs?.stop();
  await s3?.stop();
  await rm(scratch, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Hub {
  hub: RunningHub;
  op(name: string, input: Record<string, unknown>): Promise<unknown>;
}

interface Place {
  home: string;
  store: HubStore;
  token: string;
}

/** A hub home with its SQLite store and admin, whose project `project` is the AWS project on the shared bucket. */
async function placeWithProject(project: string): Promise<Place> {
  const home = await mkdtemp(join(scratch, 'hub-'));
  const store = await openHubStore({ home });
  const admin = await store.bootstrapAdmin('admin');
  if (!admin) throw new Error('bootstrapAdmin gave no token on an empty store');
  cleanups.push(() => store.close());
  const place = { home, store, token: admin.token };
  const first = await hubOn(place, project);
  await first.call('projects.create', { name: project, backend: 'aws', settings: { region: s3.region, bucket: s3.bucket }, credentials: s3.credentials });
  const workflows = join(projectHome(join(home, 'hub'), project), 'workspace', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await writeFile(join(workflows, 'w.yaml'), 'workflows:\n  - name: hello\n    provider: bash\n    commands:\n      - echo hello\n');
  return place;
}

/** A hub process's worth of server on `place`: its own timer (every 100 ms unless told) and tries 300 ms apart. */
async function hubOn(place: Place, project: string, reconcileEveryMs = 100): Promise<Hub & { call(path: string, input: unknown): Promise<unknown> }> {
  const hub = await startHub({ store: place.store, home: place.home, version: '0.1.0', port: 0, reconcileEveryMs, capacityRetry: { delaysMs: [300], giveUpAfterMs: 600_000 } });
  cleanups.push(() => hub.close());
  const call = async (path: string, input: unknown): Promise<unknown> => {
    const res = await fetch(`${hub.url}api/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${place.token}` }, body: JSON.stringify(input) });
    const body = (await res.json()) as { result?: unknown; error?: unknown };
    if (res.status !== 200) throw new Error(`${path} answered ${res.status} ${JSON.stringify(body)}`);
    return body.result;
  };
  return { hub, call, op: (name, input) => call(`projects/${project}/ops/${name}`, { projectId: project, ...input }) };
}

const hubWithProject = async (project: string) => hubOn(await placeWithProject(project), project);

/** EC2 refusing the first `refusals` RunInstances calls for capacity, then launching (the first launch waits for `slow`); counts the launches. */
function ec2RefusingFirst(refusals: number, slow: Promise<void> = Promise.resolve()): { calls: () => number; launched: () => number } {
  const { ec2 } = mockEc2Iam();
  let calls = 0;
  let launched = 0;
  ec2.on(RunInstancesCommand).callsFake(async () => {
    calls++;
    if (calls <= refusals) throw awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient t3.medium capacity in the Availability Zone you requested.');
    if (calls === refusals + 1) await slow;
    launched++;
    return { Instances: [{ InstanceId: `i-${launched}` }] };
  });
  cleanups.push(async () => {
    ec2.restore();
  });
  return { calls: () => calls, launched: () => launched };
}

const runOf = async (h: Hub, runName: string) => ((await h.op('runs.list', { all: true })) as RunSummary[]).find((r) => r.runName === runName);

it('keeps a run refused for capacity waiting, says why and when it tries again, and its timer launches it exactly once', async () => {
  // Two subnets: the submit's try and the first timed try are each refused in both zones.
  const ec2 = ec2RefusingFirst(4);
  const h = await hubWithProject('vision');
  const { runName } = (await h.op('runs.submit', { workflow: 'hello', args: [] })) as { runName: string };
  const waiting = await runOf(h, runName);
  expect(waiting?.status, JSON.stringify(waiting)).toBe('submitted');
  expect(waiting?.statusReason).toMatch(/^Waiting for capacity: AWS has no capacity for [\w.]+ in .+ right now\. Tried 1 time; next try at \d{4}-\d\d-\d\dT[\d:.]+Z\.$/);

  const launched = await waitFor(`the hub's timer to launch ${runName}`, async () => ({ launched: ec2.launched(), calls: ec2.calls(), run: await runOf(h, runName) }), (s) => s.launched > 0, { timeoutMs: 30_000 });
  expect(launched.calls, 'RunInstances calls: 2 refused tries of 2 zones each, then the launch').toBe(5);
  const after = await waitFor(`${runName}'s waiting reason cleared`, () => runOf(h, runName), (r) => r?.statusReason === undefined, { timeoutMs: 10_000 });
  expect(after?.status).toBe('submitted');
  // Later passes leave it alone: it is launched, not waiting, and reconcile counts it alive.
  await h.hub.reconciler.runOnce();
  await h.hub.reconciler.runOnce();
  expect(ec2.launched()).toBe(1);
  expect((await runOf(h, runName))?.status).toBe('submitted');
});

it('two hubs whose passes find the same try due at once launch the waiting run once', async () => {
  const ec2 = ec2RefusingFirst(2);
  const place = await placeWithProject('shared');
  // Timers too slow to fire here: the test starts both hubs' passes together, so both see the same try due.
  const a = await hubOn(place, 'shared', 600_000);
  const b = await hubOn(place, 'shared', 600_000);
  const { runName } = (await a.op('runs.submit', { workflow: 'hello', args: [] })) as { runName: string };
  const waiting = (await b.op('runs.list', { all: true })) as RunSummary[];
  expect(waiting).toEqual([expect.objectContaining({ runName, status: 'submitted', statusReason: expect.stringMatching(/^Waiting for capacity/) })]);
  const due = Date.parse(/next try at (\S+)\.$/.exec(waiting[0]!.statusReason!)![1]!);
  await waitFor('the next try to be due', () => Date.now(), (t) => t > due, { timeoutMs: 5_000 });
  for (let i = 0; i < 3; i++) await Promise.all([a.hub.reconciler.runOnce(), b.hub.reconciler.runOnce()]);
  expect({ launched: ec2.launched(), calls: ec2.calls() }).toEqual({ launched: 1, calls: 3 });
  expect(await runOf(b, runName)).toMatchObject({ status: 'submitted' });
  expect((await runOf(a, runName))?.statusReason).toBeUndefined();
});

it('leaves a try another hub is still launching alone, however long that launch takes past the retry delay', async () => {
  let finish = (): void => undefined;
  const ec2 = ec2RefusingFirst(2, new Promise<void>((resolve) => (finish = resolve)));
  const place = await placeWithProject('slow');
  const a = await hubOn(place, 'slow', 600_000);
  const b = await hubOn(place, 'slow', 600_000);
  const { runName } = (await a.op('runs.submit', { workflow: 'hello', args: [] })) as { runName: string };
  const due = Date.parse(/next try at (\S+)\.$/.exec((await runOf(b, runName))!.statusReason!)![1]!);
  await waitFor('the next try to be due', () => Date.now(), (t) => t > due, { timeoutMs: 5_000 });
  const first = a.hub.reconciler.runOnce();
  await waitFor("hub a's launch under way", () => ec2.calls(), (n) => n === 3, { timeoutMs: 30_000 });
  // The retry delay (300 ms) passes twice while hub a's launch still waits for EC2.
  const later = Date.now() + 600;
  await waitFor('the retry delay to pass twice', () => Date.now(), (t) => t > later, { timeoutMs: 5_000 });
  await b.hub.reconciler.runOnce();
  const duringLaunch = { calls: ec2.calls(), launched: ec2.launched() };
  finish();
  await first;
  expect(duringLaunch, 'RunInstances calls while hub a launched').toEqual({ calls: 3, launched: 0 });
  expect({ calls: ec2.calls(), launched: ec2.launched() }).toEqual({ calls: 3, launched: 1 });
});

it('a stop ends the waiting: the run is stopped with the reason, and no later pass launches it', async () => {
  const ec2 = ec2RefusingFirst(Infinity);
  const h = await hubWithProject('blocked');
  const { runName } = (await h.op('runs.submit', { workflow: 'hello', args: [] })) as { runName: string };
  const waiting = await runOf(h, runName);
  expect(waiting?.statusReason).toMatch(/^Waiting for capacity/);
  // Let the timer try at least once more, so the stop lands on a wait the hub is working on.
  await waitFor('a timed try after the submit', () => ec2.calls(), (n) => n >= 4, { timeoutMs: 30_000 });
  await h.op('runs.stop', { runName, abort: false });
  const stopped = await waitFor(`${runName} stopped`, () => runOf(h, runName), (r) => r?.status === 'stopped', { timeoutMs: 10_000 });
  expect(stopped?.statusReason).toBe('Stopped while waiting for capacity; no machine was launched.');
  const callsAtStop = ec2.calls();
  const dueBy = Date.now() + 400;
  await waitFor('the stopped run to be past its next try', () => Date.now(), (t) => t > dueBy, { timeoutMs: 5_000 });
  await h.hub.reconciler.runOnce();
  await h.hub.reconciler.runOnce();
  expect({ calls: ec2.calls(), launched: ec2.launched(), status: (await runOf(h, runName))?.status }).toEqual({ calls: callsAtStop, launched: 0, status: 'stopped' });
});
