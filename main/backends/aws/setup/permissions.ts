/**
 * The wizard's permission pre-flight: one harmless call per action the seed
 * policy grants and that can be exercised without side effects (reads,
 * DryRun, lookups of names that do not exist, and one small object written
 * and deleted under `.dstack-check/`). A denial names the action; any other
 * outcome, including "not found", counts as allowed. Actions that cannot be
 * called harmlessly on their own (the tag-conditioned clean-up actions,
 * iam:PassRole) are probed with dry runs; see each probe for what its
 * answers mean. The one thing the check leaves behind is its own empty
 * role and profile, which the PassRole dry run needs (passrole-probe.ts).
 */
import { DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeSubnetsCommand,
  CancelSpotInstanceRequestsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import {
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketAclCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { PermissionRow } from '../../../common/api/operations';
import type { AwsClients } from '../clients';
import { findImage } from '../compute/ami';
import { awsErrorCode, isAccessDenied, isCredentialsError, mapAwsError } from '../errors';
import { names } from '../names';
import { addCheckRoleToProfile, createCheckProfile, createCheckRole, dryRunWithCheckProfile, PROFILE_WAITS_MS } from './passrole-probe';

type Service = PermissionRow['service'];

interface Probe {
  service: Service;
  action: string;
  run: () => Promise<unknown>;
}

/** Codes that show the request passed authorization (DryRun success, or a lookup of something absent). */
const ALLOWED_CODES = new Set(['DryRunOperation', 'NoSuchEntity', 'NoSuchEntityException', 'ResourceNotFoundException', 'NoSuchLifecycleConfiguration', 'NoSuchKey']);

async function outcome(p: Probe): Promise<boolean> {
  try {
    await p.run();
    return true;
  } catch (err) {
    if (ALLOWED_CODES.has(awsErrorCode(err))) return true;
    if (isCredentialsError(err)) throw mapAwsError(err, { action: p.action });
    if (isAccessDenied(err)) return false;
    // Anything else (a malformed fake id, throttling) says nothing about the permission; count it as allowed.
    return true;
  }
}

const CHECK_KEY = '.dstack-check/permissions';

function s3Probes(c: AwsClients, bucket: string): Probe[] {
  const s3 = c.s3;
  // Object probes run in order: write, tag, read, delete. If the write is denied the rest are unknown, and are reported against the write only.
  let wrote = false;
  const needsObject = async (fn: () => Promise<unknown>) => (wrote ? fn() : undefined);
  return [
    { service: 'S3', action: 's3:ListBucket', run: () => s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 })) },
    { service: 'S3', action: 's3:GetBucketAcl', run: () => s3.send(new GetBucketAclCommand({ Bucket: bucket })) },
    { service: 'S3', action: 's3:GetLifecycleConfiguration', run: () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })) },
    {
      service: 'S3',
      action: 's3:PutObject',
      run: async () => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: CHECK_KEY, Body: 'ok' }));
        wrote = true;
      },
    },
    { service: 'S3', action: 's3:PutObjectTagging', run: () => needsObject(() => s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: CHECK_KEY, Tagging: { TagSet: [{ Key: 'dstack', Value: 'check' }] } }))) },
    { service: 'S3', action: 's3:GetObjectTagging', run: () => needsObject(() => s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: CHECK_KEY }))) },
    { service: 'S3', action: 's3:DeleteObjectTagging', run: () => needsObject(() => s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: CHECK_KEY }))) },
    { service: 'S3', action: 's3:GetObject', run: () => needsObject(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: CHECK_KEY }))) },
    { service: 'S3', action: 's3:DeleteObject', run: () => needsObject(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: CHECK_KEY }))) },
  ];
}

function ec2Probes(c: AwsClients, bucket: string, state: { image?: string }): Probe[] {
  const ec2 = c.ec2;
  return [
    { service: 'EC2', action: 'ec2:DescribeInstanceTypes', run: () => ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t3.micro'] })) },
    { service: 'EC2', action: 'ec2:DescribeSubnets', run: () => ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] })) },
    { service: 'EC2', action: 'ec2:DescribeSecurityGroups', run: () => ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [names.securityGroup(bucket)] }] })) },
    { service: 'EC2', action: 'ec2:DescribeInstances', run: () => ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:dstack_bucket', Values: [bucket] }], MaxResults: 5 })) },
    { service: 'EC2', action: 'ec2:DescribeSpotInstanceRequests', run: () => ec2.send(new DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'tag:dstack_bucket', Values: [bucket] }], MaxResults: 5 })) },
    { service: 'EC2', action: 'ec2:CreateSecurityGroup', run: () => ec2.send(new CreateSecurityGroupCommand({ GroupName: names.securityGroup(bucket), Description: 'dstack permission check', DryRun: true })) },
    {
      service: 'EC2',
      action: 'ec2:DescribeImages',
      run: async () => {
        const image = await findImage(ec2, 'cpu', c.region);
        state.image = image.id;
      },
    },
  ];
}

/** Ids that match EC2's formats and name nothing, for dry runs that must not touch anything real. */
export const MADE_UP = { instance: 'i-00000000000000000', spotRequest: 'sir-00000000' };

/**
 * The clean-up actions, which the seed policy grants only on resources tagged
 * with this bucket. A dry run on a made-up id, which carries no tag, answers:
 * - `DryRunOperation`: allowed outright;
 * - `UnauthorizedOperation`: missing (no grant for the action at all);
 * - `InvalidInstanceID.NotFound` / `InvalidSpotInstanceRequestID.NotFound`
 *   (or `.Malformed`): the action is granted for some resources, and AWS went
 *   on to look the id up. That is what the seed policy's tag condition gives;
 *   a made-up id can take it no further, so it counts as allowed.
 * Nothing can be terminated or cancelled: DryRun, and an id that exists nowhere.
 */
function cleanupProbes(c: AwsClients): Probe[] {
  return [
    {
      service: 'EC2',
      action: 'ec2:TerminateInstances',
      run: () => c.ec2.send(new TerminateInstancesCommand({ InstanceIds: [MADE_UP.instance], DryRun: true })),
    },
    {
      service: 'EC2',
      action: 'ec2:CancelSpotInstanceRequests',
      run: () => c.ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [MADE_UP.spotRequest], DryRun: true })),
    },
  ];
}

function runInstancesInput(bucket: string, image: string): RunInstancesCommandInput {
  return {
    DryRun: true,
    ImageId: image,
    InstanceType: 't3.micro',
    MinCount: 1,
    MaxCount: 1,
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'dstack_bucket', Value: bucket }] }],
  };
}

interface RunState {
  image?: string;
  /** The plain RunInstances dry run passed: a later UnauthorizedOperation is then PassRole's. */
  runs?: boolean;
  /** The check's role is in its profile (passrole-probe.ts), so the profile can be named. */
  profile?: boolean;
  /** IAM refused to put the role in the profile for want of iam:PassRole, which it checks there too: PassRole's answer. */
  passRoleDenied?: unknown;
}

/**
 * ec2:RunInstances as a dry run; then the check's own role and profile are
 * made (passrole-probe.ts says why), each create its own row; then the same
 * dry run naming that profile, which is where EC2 checks iam:PassRole. That
 * last one says something only when the first passed: then
 * `UnauthorizedOperation` is PassRole's. IAM checks PassRole already when
 * the role goes into the profile; a denial there is PassRole's row, not
 * AddRoleToInstanceProfile's. (The policy does not grant
 * iam:SimulatePrincipalPolicy, so this is the probe that stays within it.)
 */
function runInstancesProbes(c: AwsClients, bucket: string, state: RunState, profileWaitsMs: readonly number[]): Probe[] {
  return [
    {
      service: 'EC2',
      action: 'ec2:RunInstances',
      run: async () => {
        if (!state.image) return;
        await dryRun(c.ec2.send(new RunInstancesCommand(runInstancesInput(bucket, state.image))), () => (state.runs = true));
      },
    },
    { service: 'IAM', action: 'iam:CreateRole', run: () => createCheckRole(c.iam, bucket) },
    { service: 'IAM', action: 'iam:CreateInstanceProfile', run: () => createCheckProfile(c.iam, bucket) },
    {
      service: 'IAM',
      action: 'iam:AddRoleToInstanceProfile',
      run: async () => {
        try {
          await addCheckRoleToProfile(c.iam, bucket);
          state.profile = true;
        } catch (err) {
          if (!(isAccessDenied(err) && /iam:PassRole/.test((err as Error).message))) throw err;
          state.passRoleDenied = err;
        }
      },
    },
    {
      service: 'IAM',
      action: 'iam:PassRole',
      run: async () => {
        if (state.passRoleDenied) throw state.passRoleDenied;
        if (!state.image || !state.runs || !state.profile) return;
        await dryRunWithCheckProfile(c.ec2, bucket, runInstancesInput(bucket, state.image), profileWaitsMs);
      },
    },
  ];
}

/** Runs a dry-run call, calling `passed` when EC2 said it would have succeeded; rethrows every answer for {@link outcome}. */
async function dryRun(call: Promise<unknown>, passed: () => void): Promise<void> {
  try {
    await call;
    passed();
  } catch (err) {
    if (awsErrorCode(err) === 'DryRunOperation') passed();
    throw err;
  }
}

function otherProbes(c: AwsClients, bucket: string): Probe[] {
  return [
    { service: 'IAM', action: 'iam:GetRole', run: () => c.iam.send(new GetRoleCommand({ RoleName: names.role(bucket) })) },
    { service: 'IAM', action: 'iam:GetInstanceProfile', run: () => c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.instanceProfile(bucket) })) },
    { service: 'CloudWatch Logs', action: 'logs:DescribeLogGroups', run: () => c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/dstack/jobs/${bucket}`, limit: 1 })) },
    {
      service: 'CloudWatch Logs',
      action: 'logs:FilterLogEvents',
      run: () => c.logs.send(new FilterLogEventsCommand({ logGroupName: names.jobLogGroup(bucket, '.dstack-check'), limit: 1 })),
    },
    {
      service: 'Secrets Manager',
      action: 'secretsmanager:GetSecretValue',
      run: () => c.secrets.send(new GetSecretValueCommand({ SecretId: names.secret(bucket, '.dstack-check', 'NONE') })),
    },
  ];
}

const SERVICES: Service[] = ['S3', 'EC2', 'IAM', 'CloudWatch Logs', 'Secrets Manager'];

/**
 * Runs every probe and groups the result by service, in the order the
 * wizard lists them. Probes within a group run in sequence (the S3 object
 * probes depend on each other; the RunInstances dry run needs an image).
 */
export async function checkPermissions(c: AwsClients, bucket: string, opts: { profileWaitsMs?: readonly number[] } = {}): Promise<PermissionRow[]> {
  const state: RunState = {};
  const groups: Probe[][] = [
    s3Probes(c, bucket),
    [...ec2Probes(c, bucket, state), ...cleanupProbes(c), ...runInstancesProbes(c, bucket, state, opts.profileWaitsMs ?? PROFILE_WAITS_MS)],
    otherProbes(c, bucket),
  ];
  const results = await Promise.all(
    groups.map(async (probes) => {
      const out: { probe: Probe; ok: boolean }[] = [];
      for (const probe of probes) out.push({ probe, ok: await outcome(probe) });
      return out;
    }),
  );
  const flat = results.flat();
  return SERVICES.map((service) => {
    const missing = flat.filter((r) => r.probe.service === service && !r.ok).map((r) => r.probe.action);
    return { service, ok: missing.length === 0, missing };
  });
}
