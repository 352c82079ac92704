/**
 * The runner's watch for a spot interruption notice, polling a loopback IMDS
 * stand-in: only spot jobs are watched, a notice is reported once, and no
 * IMDS at all costs one line, never the job.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsCompute } from '../../../main/backends/aws/compute/index';
import { ImdsClient } from '../../../main/backends/aws/imds';
import { spotNoticeMessage, watchSpotInterruption } from '../../../main/backends/aws/spot-watch';
import type { ImdsStandin } from '../../helpers/imds-standin';
import { startImdsStandin } from '../../helpers/imds-standin';
import { BUCKET, makeJob, REGION, tempStorage } from './fixtures';

let imds: ImdsStandin;
const stops: (() => void)[] = [];
beforeEach(async () => {
  imds = await startImdsStandin();
});
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await imds.stop();
});

async function until(what: () => boolean, label: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const gets = (): number => imds.calls.filter((c) => c.method === 'GET').length;

describe('spot interruption watch', () => {
  it('says what AWS will do and when, in UTC', () => {
    expect(spotNoticeMessage({ action: 'terminate', time: '2026-11-28T12:34:56Z' })).toBe('The spot instance was interrupted by AWS (terminate at 12:34 UTC)');
    expect(spotNoticeMessage({ action: 'stop', time: '' })).toBe('The spot instance was interrupted by AWS (stop)');
  });

  it('polls until a notice comes, reports it once, then stops polling', async () => {
    const reasons: string[] = [];
    stops.push(watchSpotInterruption(new ImdsClient({ endpoint: imds.endpoint }), (r) => reasons.push(r), { pollMs: 20 }));
    await until(() => gets() >= 3, 'three polls');
    expect(reasons).toEqual([]);
    imds.notice = { action: 'terminate', time: '2026-11-28T12:34:00Z' };
    await until(() => reasons.length > 0, 'the notice');
    const seen = gets();
    await new Promise((r) => setTimeout(r, 150));
    expect(reasons).toEqual(['The spot instance was interrupted by AWS (terminate at 12:34 UTC)']);
    expect(gets()).toBe(seen);
  });

  it('without IMDS, warns once however often it polls, and never reports a notice', async () => {
    imds.hang = true;
    const warnings: string[] = [];
    const reasons: string[] = [];
    const client = new ImdsClient({ endpoint: imds.endpoint, timeoutMs: 30 });
    stops.push(watchSpotInterruption(client, (r) => reasons.push(r), { pollMs: 10, warn: (l) => warnings.push(l) }));
    await until(() => imds.calls.length >= 5, 'five attempts');
    expect(reasons).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^spot interruption notices cannot be read, the job goes on without them: The instance metadata service did not answer/);
  });

  it('is started by the AWS backend for spot jobs only, at AWS_EC2_METADATA_SERVICE_ENDPOINT, and not when IMDS is disabled', async () => {
    // The runner's backend on the instance: nothing here calls EC2, IAM or Logs.
    const { storage, home } = await tempStorage();
    const compute = (env: NodeJS.ProcessEnv) =>
      new AwsCompute({
        config: { type: 'aws', bucket: BUCKET, region: REGION },
        ec2: new EC2Client({ region: REGION }),
        iam: new IAMClient({ region: REGION }),
        logs: new CloudWatchLogsClient({ region: REGION }),
        storage,
        home,
        runnerBundle: async () => '',
        env,
      });
    const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, DSTACK_SPOT_POLL_MS: '20' };
    const reasons: string[] = [];
    imds.notice = { action: 'terminate', time: '2026-11-28T07:05:00Z' };
    stops.push(compute(env).watchInterruption(makeJob(), (r) => reasons.push(`on-demand: ${r}`)));
    stops.push(compute({ ...env, AWS_EC2_METADATA_DISABLED: 'true' }).watchInterruption(makeJob({ resources: { interruptible: true } }), (r) => reasons.push(`disabled: ${r}`)));
    await new Promise((r) => setTimeout(r, 100));
    expect(imds.calls).toEqual([]);
    stops.push(compute(env).watchInterruption(makeJob({ resources: { interruptible: true } }), (r) => reasons.push(`spot: ${r}`)));
    await until(() => reasons.length > 0, 'the notice');
    expect(reasons).toEqual(['spot: The spot instance was interrupted by AWS (terminate at 07:05 UTC)']);
  });
});
