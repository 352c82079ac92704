/**
 * The instance role: what the runner on EC2 may do, and nothing more. There
 * is one per repo (project), so a job's instance can read its own project's
 * secrets and no other's. Only the runner on the host holds the role: the
 * instance's IMDS hop limit is 1 (compute/launch.ts), which a container
 * cannot reach through Docker's bridge. The seed policy lets the app create
 * a role, a managed policy and an instance profile under dstack's names (no
 * inline policies, no policy versions), so everything is create-if-missing,
 * EntityAlreadyExists counts as success, and the policy, once created, is
 * left as it is.
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
import { DstackError, InvalidArgumentError } from '../../common/errors';
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

/** IAM's limit on role names; a longer bucket name leaves no room for the repo's suffix. */
const MAX_ROLE_NAME = 64;

/** IAM ARN patterns treat `*` and `?` as wildcards and `${` as a variable: a repo id with them cannot be scoped. */
function checkRepo(repo: string): void {
  if (!repo || /[*?$]/.test(repo)) {
    throw new InvalidArgumentError(`The project id "${repo}" cannot name an IAM resource.`, 'Project ids hold letters, digits, `.`, `_`, `-` and `/`; open the project again so dstack derives its id.');
  }
}

/**
 * The repo role's policy: this bucket, the repo's job log group and the
 * runners' group (including PutLogEvents, which the app itself never
 * needs), this repo's secrets (read only), and terminating only instances
 * tagged with this bucket, so a runner can end its own instance and no one
 * else's. Secret names hold no `/`, so a secret of this repo has exactly one
 * path segment after `{repo}/`; anything deeper belongs to another repo
 * whose id starts with this one's, and is denied.
 */
export function rolePolicy(bucket: string, repo: string): PolicyDocument {
  checkRepo(repo);
  const logGroups = [names.jobLogGroup(bucket, repo), names.runnerLogGroup(bucket)];
  const secrets = `arn:aws:secretsmanager:*:*:secret:${names.secretPrefix(bucket, repo)}`;
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
        Resource: logGroups.flatMap((g) => [`arn:aws:logs:*:*:log-group:${g}`, `arn:aws:logs:*:*:log-group:${g}:*`]),
      },
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [`${secrets}*`] },
      { Effect: 'Deny', Action: ['secretsmanager:GetSecretValue'], Resource: [`${secrets}*/*`] },
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

const TAGS = (bucket: string, repo: string) => [
  { Key: tags.bucket, Value: bucket },
  { Key: tags.repo, Value: repo },
];

async function getRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
}

/** A role of this name made for another repo (their hashes collide) must not be shared: it reads that repo's secrets. */
function checkRoleRepo(role: Role, repo: string): Role {
  const owner = role.Tags?.find((t) => t.Key === tags.repo)?.Value;
  if (owner !== undefined && owner !== repo) {
    throw new DstackError('conflict', `The instance role ${role.RoleName} belongs to project ${owner}, not ${repo}.`, {
      fix: 'Two project ids share a role name; move one project to another folder (its id changes) or use another bucket.',
    });
  }
  return role;
}

async function ensureRole(iam: IAMClient, bucket: string, repo: string): Promise<Role> {
  const name = names.repoRole(bucket, repo);
  const found = await aws({ action: 'iam:GetRole', resource: name }, () => getRole(iam, name));
  if (found) return checkRoleRepo(found, repo);
  try {
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify(TRUST_POLICY),
        Description: `dstack runners for project ${repo} in bucket ${bucket}`.slice(0, 1000),
        Tags: TAGS(bucket, repo),
      }),
    );
    return out.Role!;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  return checkRoleRepo((await aws({ action: 'iam:GetRole', resource: name }, () => getRole(iam, name)))!, repo);
}

async function ensurePolicy(iam: IAMClient, bucket: string, repo: string, roleArn: string): Promise<string> {
  const name = names.repoPolicy(bucket, repo);
  try {
    const out = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(rolePolicy(bucket, repo)), Tags: TAGS(bucket, repo) }));
    return out.Policy!.Arn!;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  // iam:GetPolicy is not in the seed policy; the ARN follows from the role's: arn:{partition}:iam::{account}:role/...
  const [, partition, , , account] = roleArn.split(':');
  return `arn:${partition}:iam::${account}:policy/${name}`;
}

async function ensureProfile(iam: IAMClient, bucket: string, repo: string): Promise<{ arn: string; roles: string[]; created: boolean }> {
  // The profile shares the role's name, which the seed policy's PassRole pattern relies on.
  const name = names.repoRole(bucket, repo);
  try {
    const p = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
    return { arn: p.Arn!, roles: (p.Roles ?? []).map((r) => r.RoleName ?? ''), created: false };
  } catch (err) {
    if (!isNoSuchEntity(err)) throw err;
  }
  try {
    const p = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: TAGS(bucket, repo) }))).InstanceProfile!;
    return { arn: p.Arn!, roles: [], created: true };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const p = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!;
  return { arn: p.Arn!, roles: (p.Roles ?? []).map((r) => r.RoleName ?? ''), created: true };
}

/** Makes sure the repo's role, its policy and its instance profile exist and are wired together. */
export async function ensureInstanceIdentity(iam: IAMClient, bucket: string, repo: string): Promise<InstanceIdentity> {
  checkRepo(repo);
  const role = names.repoRole(bucket, repo);
  if (role.length > MAX_ROLE_NAME) {
    throw new DstackError('config', `The instance role name ${role} is longer than IAM's ${MAX_ROLE_NAME} characters.`, {
      fix: `Use a bucket whose name has at most ${MAX_ROLE_NAME - names.repoRole('', repo).length} characters.`,
    });
  }
  const policy = names.repoPolicy(bucket, repo);
  const roleArn = (await aws({ action: 'iam:CreateRole', resource: role }, () => ensureRole(iam, bucket, repo))).Arn!;
  const policyArn = await aws({ action: 'iam:CreatePolicy', resource: policy }, () => ensurePolicy(iam, bucket, repo, roleArn));
  // Attaching twice is a no-op, so there is no need for iam:ListAttachedRolePolicies (not in the seed policy).
  await aws({ action: 'iam:AttachRolePolicy', resource: role }, () => iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: policyArn })));
  const profile = await aws({ action: 'iam:CreateInstanceProfile', resource: role }, () => ensureProfile(iam, bucket, repo));
  let created = profile.created;
  if (!profile.roles.includes(role)) {
    await aws({ action: 'iam:AddRoleToInstanceProfile', resource: role }, async () => {
      try {
        await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: role, RoleName: role }));
      } catch (err) {
        if (awsErrorCode(err) !== 'LimitExceeded' && awsErrorCode(err) !== 'LimitExceededException') throw err;
      }
    });
    created = true;
  }
  return { roleArn, profileName: role, profileArn: profile.arn, created };
}

/** Whether RunInstances failed only because a new instance profile has not propagated yet. */
export function isProfilePropagationError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : '';
  return awsErrorCode(err) === 'InvalidParameterValue' && /iam instance profile|iamInstanceProfile/i.test(msg);
}

/** Backoff (ms) while IAM propagates a new profile: about a minute and a half in total. */
export const PROPAGATION_DELAYS = [2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000, 15_000];
