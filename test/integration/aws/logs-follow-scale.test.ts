// Following a CloudWatch log of 200,000 events, through the real SDK client
// over HTTP against the loopback stand-in, while the runner's sink is still
// writing: every event arrives once, in order, and the follower does not
// throw (it once spread every seen timestamp into Math.max).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogs } from '../../../main/backends/aws/logs';
import type { LogEvent } from '../../../main/core/backend';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { BUCKET, makeJob, REGION } from '../../unit/aws/fixtures';

const TOTAL = 200_000;
const CHUNK = 20_000;

let standin: AwsStandin;
beforeAll(async () => {
  // CloudWatch's own largest page.
  standin = await startAwsStandin({ pageSize: 10_000 });
});
afterAll(() => standin.stop());

const idOf = (i: number) => `e${String(i).padStart(6, '0')}`;

describe('CloudWatch follower at scale', () => {
  it('follows 200,000 events without throwing, without gaps or duplicates', async () => {
    const client = new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const logs = new CloudWatchLogs(client, BUCKET, { pollMs: 20 });
    const job = makeJob({ id: 'run-big,train,0', submittedAt: Date.now() - 1000 });
    const sink = await logs.open(job);
    const t0 = Date.now();
    const chunk = (from: number): LogEvent[] =>
      Array.from({ length: CHUNK }, (_, k) => ({ id: idOf(from + k), time: t0 + Math.floor((from + k) / 1000), stream: 'stdout', text: `line ${from + k}` }));
    // All within the follower's look-back window, so it holds every one as seen. Most are
    // there before following starts (each pass re-reads the window, which is slow at this size);
    // the last chunks arrive while it follows.
    const before = TOTAL - 2 * CHUNK;
    for (let from = 0; from < before; from += CHUNK) await sink.write(chunk(from));
    let done = false;
    const writer = (async () => {
      for (let from = before; from < TOTAL; from += CHUNK) await sink.write(chunk(from));
      await sink.close();
      done = true;
    })();
    let count = 0;
    let firstProblem: string | undefined;
    for await (const batch of logs.read(job, { follow: true, isDone: async () => done })) {
      for (const e of batch) {
        if (!firstProblem && e.id !== idOf(count)) firstProblem = `event #${count} was ${e.id}, expected ${idOf(count)}`;
        count++;
      }
    }
    await writer;
    expect(firstProblem).toBeUndefined();
    expect(count).toBe(TOTAL);
  }, 480_000);
});
