import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureInstanceIdentity, rolePolicy } from '../../../main/backends/aws/iam';
import { ACCOUNT, awsError, BUCKET, mockEc2Iam, ROLE_ARN } from './fixtures';

const ROLE = 'dstack_role_dstack_142421590066_eu_west_1';
const POLICY = 'dstack_policy_dstack_142421590066_eu_west_1';
let m: ReturnType<typeof mockEc2Iam>;
beforeEach(() => {
  m = mockEc2Iam();
});
afterEach(() => {
  m.ec2.restore();
  m.iam.restore();
});

describe('instance role', () => {
  it('creates role, policy and profile under the seed policy names, and wires them together', async () => {
    const id = await ensureInstanceIdentity(new IAMClient({}), BUCKET);
    expect(id).toMatchObject({ roleArn: ROLE_ARN, profileName: ROLE, created: true });
    const role = m.iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(role.RoleName).toBe(ROLE);
    expect(JSON.parse(role.AssumeRolePolicyDocument!).Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
    expect(m.iam.commandCalls(CreatePolicyCommand)[0]!.args[0].input.PolicyName).toBe(POLICY);
    expect(m.iam.commandCalls(AttachRolePolicyCommand)[0]!.args[0].input).toEqual({ RoleName: ROLE, PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/${POLICY}` });
    expect(m.iam.commandCalls(CreateInstanceProfileCommand)[0]!.args[0].input.InstanceProfileName).toBe(ROLE);
    expect(m.iam.commandCalls(AddRoleToInstanceProfileCommand)[0]!.args[0].input).toEqual({ InstanceProfileName: ROLE, RoleName: ROLE });
  });

  it('is idempotent: what exists is reused and EntityAlreadyExists counts as success', async () => {
    m.iam.on(GetRoleCommand).resolves({ Role: { RoleName: ROLE, Arn: ROLE_ARN, Path: '/', RoleId: 'x', CreateDate: new Date() } });
    m.iam.on(CreatePolicyCommand).rejects(awsError('EntityAlreadyExists', 'A policy called x already exists.', 409));
    m.iam.on(GetInstanceProfileCommand).resolves({
      InstanceProfile: { InstanceProfileName: ROLE, Arn: 'arn:p', Path: '/', InstanceProfileId: 'x', CreateDate: new Date(), Roles: [{ RoleName: ROLE, Arn: ROLE_ARN, Path: '/', RoleId: 'x', CreateDate: new Date() }] },
    });
    const id = await ensureInstanceIdentity(new IAMClient({}), BUCKET);
    expect(id.created).toBe(false);
    expect(m.iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
    expect(m.iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
    // Without iam:GetPolicy, the existing policy's ARN follows from the role's.
    expect(m.iam.commandCalls(AttachRolePolicyCommand)[0]!.args[0].input.PolicyArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/${POLICY}`);
  });

  it('names the missing IAM action', async () => {
    m.iam.on(CreateRoleCommand).rejects(awsError('AccessDenied', 'not authorized', 403));
    await expect(ensureInstanceIdentity(new IAMClient({}), BUCKET)).rejects.toMatchObject({ code: 'permission', message: expect.stringContaining('iam:CreateRole') });
  });

  it('lets the runner reach only this bucket, its log groups, its secrets, and instances tagged with it', () => {
    const doc = rolePolicy(BUCKET);
    const resources = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    for (const r of resources.filter((x) => x !== '*')) expect(r).toContain(BUCKET);
    const star = doc.Statement.filter((s) => s.Resource === '*');
    expect(star).toHaveLength(1);
    expect(star[0]!.Action).toEqual(['ec2:TerminateInstances', 'ec2:CancelSpotInstanceRequests']);
    expect(star[0]!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/dstack_bucket': BUCKET } });
    expect(doc.Statement.flatMap((s) => s.Action)).toContain('logs:PutLogEvents');
  });
});
