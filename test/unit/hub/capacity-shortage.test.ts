// Which launch failures the hub waits out: EC2's capacity codes and a GCE
// zone out of machines are shortages of the moment; "no type fits" is also
// a `capacity` error but no wait changes it, and a quota is the user's to fix.
import { expect, it } from 'vitest';
import { mapAwsError } from '../../../main/backends/aws/errors';
import { operationError } from '../../../main/backends/gcp/errors';
import { DstackError } from '../../../main/common/errors';
import { isCapacityShortage, waitingReason } from '../../../main/hub/server/capacity-waits';
import { awsError } from '../aws/fixtures';

const ctx = { action: 'ec2:RunInstances', region: 'eu-west-1', instanceType: 'g5.xlarge' };

it('waits out EC2 and GCE capacity refusals, and nothing else', () => {
  for (const code of ['InsufficientInstanceCapacity', 'InsufficientCapacity']) expect(isCapacityShortage(mapAwsError(awsError(code), ctx)), code).toBe(true);
  expect(isCapacityShortage(operationError([{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'no' }], { action: 'compute.instances.insert', resource: 'vm', zone: 'europe-west4-a', machineType: 'g2-standard-4' }))).toBe(true);
  expect(isCapacityShortage(new DstackError('capacity', 'No instance type fits 64 GPUs: the largest has 8.'))).toBe(false);
  expect(isCapacityShortage(mapAwsError(awsError('VcpuLimitExceeded'), ctx))).toBe(false);
  expect(isCapacityShortage(new Error('socket hang up'))).toBe(false);
});

it('says why a run waits, how often it tried, and when it tries next', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  expect(waitingReason({ repo: 'r', jobId: 'j', tries: 3, since: at - 60_000, nextAt: at, reason: 'AWS has no capacity for g5.xlarge in eu-west-1 right now.' })).toBe(
    'Waiting for capacity: AWS has no capacity for g5.xlarge in eu-west-1 right now. Tried 3 times; next try at 2026-01-02T03:04:05.000Z.',
  );
});
