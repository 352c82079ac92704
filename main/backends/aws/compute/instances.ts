/**
 * Finding and ending dstack's instances and spot requests by their tags.
 * TerminateInstances and CancelSpotInstanceRequests are allowed only on
 * resources tagged `dstack_bucket={bucket}`, so this can never touch
 * anything else in the account.
 */
import {
  CancelSpotInstanceRequestsCommand,
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { EC2Client, Filter, Tag } from '@aws-sdk/client-ec2';
import { aws } from '../errors';
import { tags } from '../names';

export interface TaggedResource {
  id: string;
  state: string;
  repo?: string;
  jobId?: string;
  launchedAt?: number;
  /** Why EC2 moved it to its state (StateReason.Message), e.g. "Client.UserInitiatedShutdown: User initiated shutdown". */
  reason?: string;
}

/** States of an instance that may still bill or come back; the default filter. */
export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** Every state; EC2 lists ended instances for about an hour after they end. */
export const ALL_STATES = [...LIVE_STATES, 'shutting-down', 'terminated'];

function tagValue(t: Tag[] | undefined, key: string): string | undefined {
  return t?.find((x) => x.Key === key)?.Value;
}

export async function describeInstances(ec2: EC2Client, bucket: string, region: string, extra: Filter[] = [], states = LIVE_STATES): Promise<TaggedResource[]> {
  const out: TaggedResource[] = [];
  let token: string | undefined;
  do {
    const page = await aws({ action: 'ec2:DescribeInstances', region }, () =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: `tag:${tags.bucket}`, Values: [bucket] }, { Name: 'instance-state-name', Values: states }, ...extra],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const r of page.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        if (!i.InstanceId) continue;
        out.push({
          id: i.InstanceId,
          state: i.State?.Name ?? 'unknown',
          repo: tagValue(i.Tags, tags.repo),
          jobId: tagValue(i.Tags, tags.job),
          ...(i.LaunchTime ? { launchedAt: i.LaunchTime.getTime() } : {}),
          ...(i.StateReason?.Message ? { reason: i.StateReason.Message } : {}),
        });
      }
    }
    token = page.NextToken;
  } while (token);
  return out;
}

export async function describeSpotRequests(ec2: EC2Client, bucket: string, region: string): Promise<TaggedResource[]> {
  const out: TaggedResource[] = [];
  let token: string | undefined;
  do {
    const page = await aws({ action: 'ec2:DescribeSpotInstanceRequests', region }, () =>
      ec2.send(
        new DescribeSpotInstanceRequestsCommand({
          Filters: [{ Name: `tag:${tags.bucket}`, Values: [bucket] }, { Name: 'state', Values: ['open', 'active'] }],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const s of page.SpotInstanceRequests ?? []) {
      if (!s.SpotInstanceRequestId) continue;
      out.push({ id: s.SpotInstanceRequestId, state: s.State ?? 'unknown', repo: tagValue(s.Tags, tags.repo), jobId: tagValue(s.Tags, tags.job) });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

export async function terminate(ec2: EC2Client, ids: string[], region: string): Promise<void> {
  if (!ids.length) return;
  await aws({ action: 'ec2:TerminateInstances', resource: ids.join(', '), region }, () => ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })));
}

export async function cancelSpot(ec2: EC2Client, ids: string[], region: string): Promise<void> {
  if (!ids.length) return;
  await aws({ action: 'ec2:CancelSpotInstanceRequests', resource: ids.join(', '), region }, () =>
    ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ids })),
  );
}
