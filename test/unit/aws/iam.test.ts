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
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureInstanceIdentity, rolePolicy } from '../../../main/backends/aws/iam';
import type { PolicyDocument } from '../../../main/backends/aws/policy';
import { ACCOUNT, awsError, BUCKET, mockEc2Iam, REGION, ROLE_ARN } from './fixtures';

const REPO = 'acme/mnist';
const SUFFIX = createHash('sha256').update(REPO).digest('hex').slice(0, 8);
const ROLE = `dstack_role_dstack_142421590066_eu_west_1_${SUFFIX}`;
const POLICY = `dstack_policy_dstack_142421590066_eu_west_1_${SUFFIX}`;

/** IAM's wildcards: `*` any run of characters (slashes too), `?` one. */
const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** IAM's evaluation for one action on one resource: some Allow matches and no Deny does. */
function permits(doc: PolicyDocument, action: string, resource: string): boolean {
  const matching = doc.Statement.filter((s) => {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    return actions.some((a) => glob(a).test(action)) && resources.some((r) => glob(r).test(resource));
  });
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/** A secret's ARN as Secrets Manager makes it: the name, then `-` and six random characters. */
const secretArn = (repo: string, name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/dstack/${BUCKET}/secrets/${repo}/${name}-AbCdEf`;
let m: ReturnType<typeof mockEc2Iam>;
beforeEach(() => {
  m = mockEc2Iam();
});
afterEach(() => {
  m.ec2.restore();
  m.iam.restore();
});

describe('instance role', () => {
  it('creates role, policy and profile for the repo under the seed policy names, and wires them together', async () => {
    const id = await ensureInstanceIdentity(new IAMClient({}), BUCKET, REPO);
    expect(id).toMatchObject({ roleArn: ROLE_ARN, profileName: ROLE, created: true });
    const role = m.iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(role.RoleName).toBe(ROLE);
    expect(JSON.parse(role.AssumeRolePolicyDocument!).Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
    expect(role.Tags).toEqual([{ Key: 'dstack_bucket', Value: BUCKET }, { Key: 'dstack_repo', Value: REPO }]);
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
    const id = await ensureInstanceIdentity(new IAMClient({}), BUCKET, REPO);
    expect(id.created).toBe(false);
    expect(m.iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
    expect(m.iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
    // Without iam:GetPolicy, the existing policy's ARN follows from the role's.
    expect(m.iam.commandCalls(AttachRolePolicyCommand)[0]!.args[0].input.PolicyArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/${POLICY}`);
  });

  it('names the missing IAM action', async () => {
    m.iam.on(CreateRoleCommand).rejects(awsError('AccessDenied', 'not authorized', 403));
    await expect(ensureInstanceIdentity(new IAMClient({}), BUCKET, REPO)).rejects.toMatchObject({ code: 'permission', message: expect.stringContaining('iam:CreateRole') });
  });

  it('lets the role read its own repo\'s secrets and no other repo\'s', async () => {
    await ensureInstanceIdentity(new IAMClient({}), BUCKET, REPO);
    const doc = JSON.parse(m.iam.commandCalls(CreatePolicyCommand)[0]!.args[0].input.PolicyDocument!) as PolicyDocument;
    const secretStatements = doc.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [`arn:aws:secretsmanager:*:*:secret:/dstack/${BUCKET}/secrets/${REPO}/*`] },
      { Effect: 'Deny', Action: ['secretsmanager:GetSecretValue'], Resource: [`arn:aws:secretsmanager:*:*:secret:/dstack/${BUCKET}/secrets/${REPO}/*/*`] },
    ]);
    const read = (arn: string) => permits(doc, 'secretsmanager:GetSecretValue', arn);
    expect(read(secretArn(REPO, 'TOKEN'))).toBe(true);
    expect(read(secretArn('acme/other', 'TOKEN'))).toBe(false);
    // A repo whose id extends this one's ("acme/mnist/sub") keeps its secrets too.
    expect(read(secretArn(`${REPO}/sub`, 'TOKEN'))).toBe(false);
    expect(read(secretArn('acme', 'TOKEN'))).toBe(false);
    // Nor may it read the app's own credentials or anything else in Secrets Manager.
    expect(read(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/dstack/${BUCKET}/credentials/x-AbCdEf`)).toBe(false);
    expect(permits(doc, 'secretsmanager:GetSecretValue', '*')).toBe(false);
  });

  it('never shares a role with another repo whose suffix collides', async () => {
    m.iam.on(GetRoleCommand).resolves({ Role: { RoleName: ROLE, Arn: ROLE_ARN, Path: '/', RoleId: 'x', CreateDate: new Date(), Tags: [{ Key: 'dstack_repo', Value: 'someone/else' }] } });
    await expect(ensureInstanceIdentity(new IAMClient({}), BUCKET, REPO)).rejects.toMatchObject({ code: 'conflict', message: `The instance role ${ROLE} belongs to project someone/else, not ${REPO}.` });
    expect(m.iam.commandCalls(AttachRolePolicyCommand)).toHaveLength(0);
  });

  it('refuses a repo id that IAM would read as a wildcard', async () => {
    await expect(ensureInstanceIdentity(new IAMClient({}), BUCKET, 'acme/*')).rejects.toMatchObject({ code: 'invalid_argument', message: 'The project id "acme/*" cannot name an IAM resource.' });
    expect(m.iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
  });

  it('lets the runner reach only this bucket, its log groups, its secrets, and instances tagged with it', () => {
    const doc = rolePolicy(BUCKET, REPO);
    const resources = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    for (const r of resources.filter((x) => x !== '*')) expect(r).toContain(BUCKET);
    const star = doc.Statement.filter((s) => s.Resource === '*');
    expect(star).toHaveLength(1);
    expect(star[0]!.Action).toEqual(['ec2:TerminateInstances', 'ec2:CancelSpotInstanceRequests']);
    expect(star[0]!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/dstack_bucket': BUCKET } });
    expect(doc.Statement.flatMap((s) => s.Action)).toContain('logs:PutLogEvents');
  });
});
