/**
 * What the iam:PassRole probe needs: an instance profile that exists and
 * matches the seed policy's `dstack_role_{bucket}*`, and a dry run naming it.
 *
 * Why its own role: EC2 checks PassRole only for a profile that exists; for
 * a missing one it answers InvalidParameterValue first, so a policy without
 * PassRole looked fine. The bucket-level profile the probe used to name no
 * longer exists (launches make one role and profile per project, which the
 * wizard does not have yet), and borrowing a project's would give the check
 * a role that can read that project's secrets. So the check makes
 * `dstack_role_{bucket}_check`: EC2 trust only, no policy attached (an
 * instance given it could do nothing), tagged with the bucket, created with
 * the calls launches use and kept for the next check (the seed policy grants
 * no iam:Delete*). Every call is a create whose "already exists" counts as
 * done, so a second check changes nothing and each denial names its action.
 */
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../errors';
import { isProfilePropagationError } from '../iam';
import { names, tags } from '../names';

/**
 * Pauses (ms) while a new profile reaches EC2: about 15 s in all, bounded
 * because the wizard waits on it. A profile still unknown after them leaves
 * PassRole unchecked, which counts as allowed like every probe that learns
 * nothing; a profile made by an earlier check is seen at once.
 */
export const PROFILE_WAITS_MS = [1_000, 2_000, 4_000, 8_000];

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Runs a create, counting "already exists" (or, for AddRoleToInstanceProfile, "the profile already has its one role") as done. */
async function created(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    const code = awsErrorCode(err);
    if (!['EntityAlreadyExists', 'EntityAlreadyExistsException', 'LimitExceeded', 'LimitExceededException'].includes(code)) throw err;
  }
}

export function createCheckRole(iam: IAMClient, bucket: string): Promise<void> {
  return created(
    iam.send(
      new CreateRoleCommand({
        RoleName: names.checkRole(bucket),
        AssumeRolePolicyDocument: TRUST_POLICY,
        Description: `dstack permission check for bucket ${bucket}: no policies, never given to an instance`.slice(0, 1000),
        Tags: [{ Key: tags.bucket, Value: bucket }],
      }),
    ),
  );
}

export function createCheckProfile(iam: IAMClient, bucket: string): Promise<void> {
  return created(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: names.checkRole(bucket), Tags: [{ Key: tags.bucket, Value: bucket }] })));
}

export function addCheckRoleToProfile(iam: IAMClient, bucket: string): Promise<void> {
  const name = names.checkRole(bucket);
  return created(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name })));
}

/**
 * The dry run naming the check's profile, retried while EC2 does not know
 * the profile yet; every other answer (DryRunOperation, UnauthorizedOperation)
 * is rethrown for the caller to read.
 */
export async function dryRunWithCheckProfile(ec2: EC2Client, bucket: string, input: RunInstancesCommandInput, waitsMs: readonly number[]): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await ec2.send(new RunInstancesCommand({ ...input, DryRun: true, IamInstanceProfile: { Name: names.checkRole(bucket) } }));
      return;
    } catch (err) {
      const wait = waitsMs[i];
      if (!isProfilePropagationError(err) || wait === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
