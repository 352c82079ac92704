/**
 * The instance role: what the runner on EC2 may do, and nothing more. The
 * seed policy lets the app create a role, a managed policy and an instance
 * profile under dstack's names (no inline policies, no policy versions), so
 * everything is create-if-missing, EntityAlreadyExists counts as success,
 * and the policy, once created, is left as it is.
 */
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
} from '@aws-sdk/client-iam';
import type { IAMClient, Role } from '@aws-sdk/client-iam';
import { aws, awsErrorCode } from './errors';
import { names, tags } from './names';
import type { PolicyDocument } from './policy';

export interface InstanceIdentity {
  roleArn: string;
  profileName: string;
  profileArn: string;
  /** True when this call created the profile or gave it its role: IAM then needs time to propagate. */
  created: boolean;
}

const TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/**
 * The role's policy: this bucket, the two log-group prefixes (including
 * PutLogEvents, which the app itself never needs), this bucket's secrets
 * (read only), and terminating only instances tagged with this bucket, so a
 * runner can end its own instance and no one else's.
 */
export function rolePolicy(bucket: string): PolicyDocument {
  const logGroups = [`/dstack/jobs/${bucket}`, `/dstack/runners/${bucket}`];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroups.flatMap((g) => [`arn:aws:logs:*:*:log-group:${g}*`, `arn:aws:logs:*:*:log-group:${g}*:*`]),
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [`arn:aws:secretsmanager:*:*:secret:/dstack/${bucket}/secrets/*`],
      },
      {
        Effect: 'Allow',
        Action: ['ec2:TerminateInstances', 'ec2:CancelSpotInstanceRequests'],
        Resource: '*',
        Condition: { StringEquals: { [`aws:ResourceTag/${tags.bucket}`]: bucket } },
      },
    ],
  };
}

function isNoSuchEntity(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'NoSuchEntity' || code === 'NoSuchEntityException';
}

function isAlreadyExists(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'EntityAlreadyExists' || code === 'EntityAlreadyExistsException';
}

const TAGS = (bucket: string) => [{ Key: tags.bucket, Value: bucket }];

async function getRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
}

async function ensureRole(iam: IAMClient, bucket: string): Promise<Role> {
  const name = names.role(bucket);
  const found = await aws({ action: 'iam:GetRole', resource: name }, () => getRole(iam, name));
  if (found) return found;
  try {
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify(TRUST_POLICY),
        Description: `dstack runners for bucket ${bucket}`,
        Tags: TAGS(bucket),
      }),
    );
    return out.Role!;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  return (await aws({ action: 'iam:GetRole', resource: name }, () => getRole(iam, name)))!;
}

async function ensurePolicy(iam: IAMClient, bucket: string, roleArn: string): Promise<string> {
  const name = names.policy(bucket);
  try {
    const out = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(rolePolicy(bucket)), Tags: TAGS(bucket) }));
    return out.Policy!.Arn!;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  // iam:GetPolicy is not in the seed policy; the ARN follows from the role's: arn:{partition}:iam::{account}:role/...
  const [, partition, , , account] = roleArn.split(':');
  return `arn:${partition}:iam::${account}:policy/${name}`;
}

async function ensureProfile(iam: IAMClient, bucket: string): Promise<{ arn: string; roles: string[]; created: boolean }> {
  const name = names.instanceProfile(bucket);
  try {
    const p = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
    return { arn: p.Arn!, roles: (p.Roles ?? []).map((r) => r.RoleName ?? ''), created: false };
  } catch (err) {
    if (!isNoSuchEntity(err)) throw err;
  }
  try {
    const p = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: TAGS(bucket) }))).InstanceProfile!;
    return { arn: p.Arn!, roles: [], created: true };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const p = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
  return { arn: p.Arn!, roles: (p.Roles ?? []).map((r) => r.RoleName ?? ''), created: true };
}

/** Makes sure the role, its policy and the instance profile exist and are wired together. */
export async function ensureInstanceIdentity(iam: IAMClient, bucket: string): Promise<InstanceIdentity> {
  const role = await aws({ action: 'iam:CreateRole', resource: names.role(bucket) }, () => ensureRole(iam, bucket));
  const roleArn = role.Arn!;
  const policyArn = await aws({ action: 'iam:CreatePolicy', resource: names.policy(bucket) }, () => ensurePolicy(iam, bucket, roleArn));
  // Attaching twice is a no-op, so there is no need for iam:ListAttachedRolePolicies (not in the seed policy).
  await aws({ action: 'iam:AttachRolePolicy', resource: names.role(bucket) }, () => iam.send(new AttachRolePolicyCommand({ RoleName: names.role(bucket), PolicyArn: policyArn })));
  const profile = await aws({ action: 'iam:CreateInstanceProfile', resource: names.instanceProfile(bucket) }, () => ensureProfile(iam, bucket));
  let created = profile.created;
  if (!profile.roles.includes(names.role(bucket))) {
    await aws({ action: 'iam:AddRoleToInstanceProfile', resource: names.instanceProfile(bucket) }, async () => {
      try {
        await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: names.instanceProfile(bucket), RoleName: names.role(bucket) }));
      } catch (err) {
        if (awsErrorCode(err) !== 'LimitExceeded' && awsErrorCode(err) !== 'LimitExceededException') throw err;
      }
    });
    created = true;
  }
  return { roleArn, profileName: names.instanceProfile(bucket), profileArn: profile.arn, created };
}

/** Whether RunInstances failed only because a new instance profile has not propagated yet. */
export function isProfilePropagationError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : '';
  return awsErrorCode(err) === 'InvalidParameterValue' && /iam instance profile|iamInstanceProfile/i.test(msg);
}

/** Backoff (ms) while IAM propagates a new profile: about a minute and a half in total. */
export const PROPAGATION_DELAYS = [2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000, 15_000];
