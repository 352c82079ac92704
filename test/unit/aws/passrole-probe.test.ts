/**
 * The permission check's iam:PassRole probe against a small model of IAM and
 * EC2 that enforces the seed policy (policy-template.json, filled in for the
 * bucket) by action and resource: IAM keeps the roles and profiles created,
 * and EC2 answers a RunInstances dry run as AWS does: an unknown (or not yet
 * propagated) profile is InvalidParameterValue, a profile whose role the
 * caller may not pass is UnauthorizedOperation. Logs and Secrets Manager are
 * the loopback stand-in.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { AddRoleToInstanceProfileCommandInput, CreateInstanceProfileCommandInput, CreateRoleCommandInput } from '@aws-sdk/client-iam';
import { GetBucketLifecycleConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../main/backends/aws/clients';
import type { PolicyDocument } from '../../../main/backends/aws/policy';
import { policyDocumentFor } from '../../../main/backends/aws/policy';
import { checkPermissions } from '../../../main/backends/aws/setup/permissions';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { ACCOUNT, awsError, BUCKET, mockEc2Iam, REGION } from './fixtures';

const CHECK = 'dstack_role_dstack_142421590066_eu_west_1_check';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const profileArn = (name: string) => `arn:aws:iam::${ACCOUNT}:instance-profile/${name}`;

function glob(pattern: string): RegExp {
  return new RegExp('^' + pattern.split('').map((c) => (c === '*' ? '.*' : c.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))).join('') + '$');
}

/** Whether an unconditioned Allow statement of `doc` grants `action` on `resource`. */
function allows(doc: PolicyDocument, action: string, resource: string): boolean {
  return doc.Statement.some((s) => {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    return s.Effect === 'Allow' && !s.Condition && actions.some((a) => glob(a).test(action)) && resources.some((r) => glob(r).test(resource));
  });
}

/** The seed policy for the bucket, without the actions named. */
function seedPolicyWithout(...drop: string[]): PolicyDocument {
  const doc = policyDocumentFor(BUCKET);
  return {
    ...doc,
    Statement: doc.Statement.map((s) => ({ ...s, Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => !drop.includes(a)) })),
  };
}

interface Model {
  roles: Map<string, CreateRoleCommandInput>;
  /** Profile name → its roles. */
  profiles: Map<string, string[]>;
  /** Dry runs naming a new profile that EC2 answers "invalid" before it sees it. */
  propagationCalls: number;
  /** As IAM documents: adding a role to a profile needs iam:PassRole on the role. Off to make EC2 the one to refuse. */
  addRoleNeedsPassRole: boolean;
  policy: PolicyDocument;
  /** Every EC2 call, for the "dry runs only" check. */
  ec2Calls: { command: string; input: { DryRun?: boolean } }[];
}

function denied(action: string, resource: string): Error {
  return awsError('AccessDenied', `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: ${action} on resource: ${resource}`, 403);
}

function modelAws(model: Model, ec2: AwsClientStub<EC2Client>, iam: AwsClientStub<IAMClient>): void {
  const need = (action: string, resource: string) => {
    if (!allows(model.policy, action, resource)) throw denied(action, resource);
  };
  iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => {
    need('iam:CreateRole', roleArn(input.RoleName!));
    if (input.Tags?.length) need('iam:TagRole', roleArn(input.RoleName!));
    if (model.roles.has(input.RoleName!)) throw awsError('EntityAlreadyExists', `Role with name ${input.RoleName} already exists.`, 409);
    model.roles.set(input.RoleName!, input);
    return { Role: { RoleName: input.RoleName, Arn: roleArn(input.RoleName!), Path: '/', RoleId: 'x', CreateDate: new Date() } };
  });
  iam.on(CreateInstanceProfileCommand).callsFake((input: CreateInstanceProfileCommandInput) => {
    need('iam:CreateInstanceProfile', profileArn(input.InstanceProfileName!));
    if (model.profiles.has(input.InstanceProfileName!)) throw awsError('EntityAlreadyExists', 'exists', 409);
    model.profiles.set(input.InstanceProfileName!, []);
    return { InstanceProfile: { InstanceProfileName: input.InstanceProfileName, Arn: profileArn(input.InstanceProfileName!), Path: '/', InstanceProfileId: 'x', CreateDate: new Date(), Roles: [] } };
  });
  iam.on(AddRoleToInstanceProfileCommand).callsFake((input: AddRoleToInstanceProfileCommandInput) => {
    need('iam:AddRoleToInstanceProfile', profileArn(input.InstanceProfileName!));
    if (model.addRoleNeedsPassRole) need('iam:PassRole', roleArn(input.RoleName!));
    const roles = model.profiles.get(input.InstanceProfileName!);
    if (!roles || !model.roles.has(input.RoleName!)) throw awsError('NoSuchEntity', 'not found', 404);
    if (roles.length) throw awsError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
    roles.push(input.RoleName!);
    return {};
  });
  ec2.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
    model.ec2Calls.push({ command: 'RunInstancesCommand', input });
    if (!input.DryRun) throw new Error('the check launched an instance');
    const profile = input.IamInstanceProfile?.Name;
    if (profile) {
      if (!model.profiles.has(profile) || model.propagationCalls-- > 0) {
        throw awsError('InvalidParameterValue', `Value (${profile}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`);
      }
      for (const role of model.profiles.get(profile)!) {
        if (!allows(model.policy, 'iam:PassRole', roleArn(role))) throw awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403);
      }
    }
    throw awsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  });
}

let standin: AwsStandin;
let s3: AwsClientStub<S3Client>;
let m: ReturnType<typeof mockEc2Iam>;
let clients: AwsClients;
let model: Model;

beforeAll(async () => {
  standin = await startAwsStandin();
});
afterAll(() => standin.stop());

beforeEach(() => {
  s3 = mockClient(S3Client);
  s3.onAnyCommand().resolves({});
  s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', '', 404));
  m = mockEc2Iam();
  model = { roles: new Map(), profiles: new Map(), propagationCalls: 0, addRoleNeedsPassRole: true, policy: policyDocumentFor(BUCKET), ec2Calls: [] };
  modelAws(model, m.ec2, m.iam);
  const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
  clients = {
    region: REGION,
    s3: new S3Client({ region: REGION }),
    sts: {} as AwsClients['sts'],
    ec2: new EC2Client({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: creds }),
    secrets: new SecretsManagerClient({ region: REGION, endpoint: standin.endpoint, credentials: creds }),
  };
});
afterEach(() => {
  for (const x of [s3, m.ec2, m.iam]) x.restore();
});

const iamRow = async (opts: { profileWaitsMs?: number[] } = {}) => (await checkPermissions(clients, BUCKET, { profileWaitsMs: [5, 5, 5, 5], ...opts })).find((r) => r.service === 'IAM');

describe('the iam:PassRole probe', () => {
  it('reports iam:PassRole missing under the seed policy without it', async () => {
    model.policy = seedPolicyWithout('iam:PassRole');
    expect(await iamRow()).toEqual({ service: 'IAM', ok: false, missing: ['iam:PassRole'] });
  });

  it('reports iam:PassRole missing when EC2 refuses to pass the check role of an earlier check', async () => {
    model.addRoleNeedsPassRole = false;
    model.roles.set(CHECK, { RoleName: CHECK, AssumeRolePolicyDocument: '{}' });
    model.profiles.set(CHECK, [CHECK]);
    model.policy = seedPolicyWithout('iam:PassRole');
    expect(await iamRow()).toEqual({ service: 'IAM', ok: false, missing: ['iam:PassRole'] });
  });

  it('passes the full seed policy, with an empty EC2-only role of its own', async () => {
    const rows = await checkPermissions(clients, BUCKET, { profileWaitsMs: [5] });
    expect(rows.every((r) => r.ok), JSON.stringify(rows)).toBe(true);
    expect([...model.roles.keys()]).toEqual([CHECK]);
    expect(model.profiles.get(CHECK)).toEqual([CHECK]);
    const role = model.roles.get(CHECK)!;
    expect(JSON.parse(role.AssumeRolePolicyDocument!)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(role.Tags).toEqual([{ Key: 'dstack_bucket', Value: BUCKET }]);
    expect(m.iam.commandCalls(AttachRolePolicyCommand).length + m.iam.commandCalls(PutRolePolicyCommand).length, 'no policy is given to the check role').toBe(0);
    const named = model.ec2Calls.filter((c) => (c.input as RunInstancesCommandInput).IamInstanceProfile);
    expect(named.map((c) => (c.input as RunInstancesCommandInput).IamInstanceProfile)).toEqual([{ Name: CHECK }]);
  });

  it('waits, boundedly, for a new profile to reach EC2', async () => {
    model.propagationCalls = 2;
    model.policy = seedPolicyWithout('iam:PassRole');
    model.addRoleNeedsPassRole = false;
    expect(await iamRow()).toEqual({ service: 'IAM', ok: false, missing: ['iam:PassRole'] });
    expect(model.ec2Calls.filter((c) => (c.input as RunInstancesCommandInput).IamInstanceProfile)).toHaveLength(3);
  });

  it('learns nothing, and says nothing missing, when the profile never reaches EC2 within the waits', async () => {
    model.propagationCalls = 100;
    expect(await iamRow({ profileWaitsMs: [5, 5] })).toEqual({ service: 'IAM', ok: true, missing: [] });
    expect(model.ec2Calls.filter((c) => (c.input as RunInstancesCommandInput).IamInstanceProfile)).toHaveLength(3);
  });

  it('changes nothing on a second check', async () => {
    await checkPermissions(clients, BUCKET, { profileWaitsMs: [5] });
    const before = JSON.stringify([...model.roles, ...model.profiles]);
    const rows = await checkPermissions(clients, BUCKET, { profileWaitsMs: [5] });
    expect(rows.every((r) => r.ok), JSON.stringify(rows)).toBe(true);
    expect(JSON.stringify([...model.roles, ...model.profiles])).toBe(before);
  });

  it('names the create it lacks when the policy has no iam:CreateRole', async () => {
    model.policy = seedPolicyWithout('iam:CreateRole');
    expect(await iamRow()).toEqual({ service: 'IAM', ok: false, missing: ['iam:CreateRole'] });
  });

  it('touches EC2 with dry runs and reads only', async () => {
    await checkPermissions(clients, BUCKET, { profileWaitsMs: [5] });
    const writes = m.ec2.calls().map((c) => ({ command: c.args[0].constructor.name, input: c.args[0].input as { DryRun?: boolean } })).filter((c) => !c.command.startsWith('Describe'));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((c) => c.input.DryRun !== true), 'EC2 calls that were not dry runs').toEqual([]);
  });
});
