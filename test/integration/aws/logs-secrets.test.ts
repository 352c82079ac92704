/**
 * CloudWatch Logs and Secrets Manager through the real SDK clients over HTTP
 * against the loopback stand-in, with real local storage for secret markers.
 */
import { CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogs, encodeEvent } from '../../../main/backends/aws/logs';
import { AwsSecrets } from '../../../main/backends/aws/secrets';
import type { LogEvent } from '../../../main/core/backend';
import { keys } from '../../../main/core/keys';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { BUCKET, makeJob, REGION, ROLE_ARN, tempStorage } from '../../unit/aws/fixtures';

let standin: AwsStandin;
const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
beforeAll(async () => {
  standin = await startAwsStandin({ pageSize: 4, emptyPages: true });
});
afterAll(() => standin.stop());

const logsClient = () => new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: creds });

function lines(n: number, from = 0, t0 = Date.now()): LogEvent[] {
  return Array.from({ length: n }, (_, i) => ({ id: `e${String(from + i).padStart(5, '0')}`, time: t0 + from + i, stream: i % 2 ? 'stderr' : 'stdout', text: `line ${from + i}` }));
}

async function collect(it: AsyncIterable<LogEvent[]>): Promise<LogEvent[]> {
  const out: LogEvent[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

describe('CloudWatch logs', () => {
  it('writes through the runner sink and reads a finished log completely, across pages that are empty but carry a token', async () => {
    const logs = new CloudWatchLogs(logsClient(), BUCKET, { pollMs: 20 });
    const job = makeJob({ id: 'run-a,train,0', submittedAt: Date.now() - 1000 });
    const sink = await logs.open(job);
    await sink.write(lines(23));
    await sink.close();
    // Re-opening tolerates the existing group and stream.
    await (await logs.open(job)).close();
    const read = await collect(logs.read(job));
    expect(read.map((e) => e.text)).toEqual(lines(23).map((e) => e.text));
    expect(read[1]).toMatchObject({ id: 'e00001', stream: 'stderr' });
    const filters = standin.calls.filter((c) => c.action === 'FilterLogEvents');
    expect(filters.some((c) => c.input.nextToken)).toBe(true);
    expect(filters[0]!.input).toMatchObject({ logGroupName: `/dstack/jobs/${BUCKET}/acme/mnist`, logStreamNames: ['run-a,train,0'] });
    expect(standin.calls.filter((c) => c.service === 'logs').map((c) => c.action)).not.toContain('GetLogEvents');
  });

  it('follows a live log until the job is done, without duplicates or gaps', async () => {
    const logs = new CloudWatchLogs(logsClient(), BUCKET, { pollMs: 10 });
    const job = makeJob({ id: 'run-b,train,0', submittedAt: Date.now() - 1000 });
    const sink = await logs.open(job);
    const t0 = Date.now();
    await sink.write(lines(5, 0, t0));
    let done = false;
    const writer = (async () => {
      for (let k = 1; k <= 4; k++) {
        await new Promise((r) => setTimeout(r, 30));
        await sink.write(lines(5, k * 5, t0));
      }
      await sink.close();
      done = true;
    })();
    const read = await collect(logs.read(job, { follow: true, isDone: async () => done }));
    await writer;
    expect(read.map((e) => e.id)).toEqual(lines(25, 0, t0).map((e) => e.id));
  });

  it('does not end a follow before the last lines are readable, however long CloudWatch holds them back', async () => {
    // The runner has closed its log and the job has ended, but its lines stay out of FilterLogEvents for 50 poll intervals, while the log's end shows at once.
    const logs = new CloudWatchLogs(logsClient(), BUCKET, { pollMs: 20 });
    const job = makeJob({ id: 'slow-ink-2,train,0', submittedAt: Date.now() - 1000 });
    const sink = await logs.open(job);
    standin.visibleAfterMs = 1000;
    await sink.write(lines(10));
    standin.visibleAfterMs = 0;
    await sink.close();
    const read = await collect(logs.read(job, { follow: true, isDone: async () => true }));
    expect(read.map((e) => e.text)).toEqual(lines(10).map((e) => e.text));
  });

  it('reads a resent batch once, and does not count it towards the end, so held-back lines are still waited for', async () => {
    // PutLogEvents is not idempotent: a batch sent again (a retry after a lost reply) is stored twice, with new eventIds.
    const logs = new CloudWatchLogs(logsClient(), BUCKET, { pollMs: 20 });
    const job = makeJob({ id: 'twice-told-6,train,0', submittedAt: Date.now() - 1000 });
    const sink = await logs.open(job);
    const first = lines(10);
    await sink.write(first);
    const group = `/dstack/jobs/${BUCKET}/acme/mnist`;
    await logsClient().send(new PutLogEventsCommand({ logGroupName: group, logStreamName: job.id, logEvents: first.map((e) => ({ timestamp: e.time, message: encodeEvent(e) })) }));
    standin.visibleAfterMs = 1000;
    await sink.write(lines(10, 10));
    standin.visibleAfterMs = 0;
    await sink.close();
    const read = await collect(logs.read(job, { follow: true, isDone: async () => true }));
    expect(read.map((e) => e.text)).toEqual(lines(20).map((e) => e.text));
  });

  it('reads on for the settle time when the runner never closed its log (a lost instance), then ends with every line', async () => {
    const logs = new CloudWatchLogs(logsClient(), BUCKET, { pollMs: 20, settleMs: 1500 });
    const job = makeJob({ id: 'lost-vm-4,train,0', submittedAt: Date.now() - 1000 });
    const sink = await logs.open(job);
    standin.visibleAfterMs = 500;
    await sink.write(lines(10));
    standin.visibleAfterMs = 0;
    const started = Date.now();
    const read = await collect(logs.read(job, { follow: true, isDone: async () => true }));
    expect(read.map((e) => e.text)).toEqual(lines(10).map((e) => e.text));
    expect(Date.now() - started, 'the follow waited out the settle time after the last line').toBeGreaterThanOrEqual(1500);
  });

  it('ends the follow of a log without an end whose job ended longer ago than the settle time after one pass', async () => {
    // A log written before runners closed theirs with an end entry, of a run that finished a minute ago.
    const logs = new CloudWatchLogs(logsClient(), BUCKET, { pollMs: 20, settleMs: 10_000 });
    const job = makeJob({ id: 'old-run-5,train,0', submittedAt: Date.now() - 120_000, finishedAt: Date.now() - 60_000 });
    const sink = await logs.open(job);
    await sink.write(lines(10, 0, Date.now() - 90_000));
    const started = Date.now();
    const read = await collect(logs.read(job, { follow: true, isDone: async () => true }));
    expect(read.map((e) => e.text)).toEqual(lines(10).map((e) => e.text));
    expect(Date.now() - started, 'the follow did not wait the settle time again').toBeLessThan(10_000);
  });

  it('reads nothing, without error, before the runner created the stream', async () => {
    const logs = new CloudWatchLogs(logsClient(), BUCKET);
    expect(await collect(logs.read(makeJob({ repo: 'nobody/here' })))).toEqual([]);
  });

  it('names the missing permission', async () => {
    standin.denied.add('logs:FilterLogEvents');
    try {
      const logs = new CloudWatchLogs(logsClient(), BUCKET);
      await expect(collect(logs.read(makeJob({ id: 'run-a,train,0' })))).rejects.toMatchObject({ code: 'permission', message: expect.stringContaining('logs:FilterLogEvents') });
    } finally {
      standin.denied.clear();
    }
  });
});

describe('Secrets Manager', () => {
  it('creates, updates, lists through bucket markers, reads, and deletes secrets under the bucket prefix', async () => {
    const { storage } = await tempStorage();
    const client = new SecretsManagerClient({ region: REGION, endpoint: standin.endpoint, credentials: creds });
    const secrets = new AwsSecrets(client, storage, BUCKET, async () => ROLE_ARN);
    await secrets.set('acme/mnist', 'WANDB_KEY', 'v1');
    await secrets.set('acme/mnist', 'HF_TOKEN', 'hf');
    await secrets.set('acme/mnist', 'WANDB_KEY', 'v2');
    const id = `/dstack/${BUCKET}/secrets/acme/mnist/WANDB_KEY`;
    const stored = standin.secrets.get(id)!;
    expect(stored.value).toBe('v2');
    expect(JSON.parse(stored.policy!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
    });
    expect(stored.tags).toContainEqual({ Key: 'dstack_bucket', Value: BUCKET });
    expect(await storage.get(keys.secretMarker('acme/mnist', 'WANDB_KEY'))).toBeDefined();
    expect(await secrets.list('acme/mnist')).toEqual(['HF_TOKEN', 'WANDB_KEY']);
    expect(await secrets.values('acme/mnist', ['WANDB_KEY', 'HF_TOKEN'])).toEqual({ WANDB_KEY: 'v2', HF_TOKEN: 'hf' });
    await secrets.delete('acme/mnist', 'WANDB_KEY');
    expect(await secrets.list('acme/mnist')).toEqual(['HF_TOKEN']);
    expect(standin.calls.find((c) => c.action === 'DeleteSecret')!.input).toEqual({ SecretId: id, ForceDeleteWithoutRecovery: true });
    await expect(secrets.values('acme/mnist', ['WANDB_KEY'])).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('WANDB_KEY') });
    await expect(secrets.set('acme/mnist', 'bad-name', 'x')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(standin.calls.filter((c) => c.service === 'secretsmanager').map((c) => c.action)).not.toContain('ListSecrets');
  });
});
