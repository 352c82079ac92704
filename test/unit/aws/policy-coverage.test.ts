/**
 * Every AWS action the app itself calls, collected from the mocks (S3, EC2,
 * IAM, STS) and the stand-in (Logs, Secrets Manager) while the app's flows
 * run (wizard, launch, isAlive, reconcile, secrets, log reading), must be in
 * the seed policy's Action lists with a resource its patterns match and its
 * conditions hold for. What the runner calls on the instance is checked
 * against the instance role's policy instead.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstancesCommand, DescribeSpotInstanceRequestsCommand, EC2Client, RunInstancesCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../main/backends/aws/clients';
import { AwsCompute } from '../../../main/backends/aws/compute/index';
import { rolePolicy } from '../../../main/backends/aws/iam';
import { CloudWatchLogs } from '../../../main/backends/aws/logs';
import type { PolicyDocument } from '../../../main/backends/aws/policy';
import { policyDocumentFor } from '../../../main/backends/aws/policy';
import { AwsSecrets } from '../../../main/backends/aws/secrets';
import { awsSetup } from '../../../main/backends/aws/setup/index';
import { JobStore } from '../../../main/core/jobs';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { ACCOUNT, awsError, BUCKET, makeJob, mockEc2Iam, REGION, ROLE_ARN, tempStorage } from './fixtures';

interface Use {
  action: string;
  resource: string;
  tags?: Record<string, string>;
}

/**
 * Calls made on purpose outside the policy, each with its reason. The test
 * fails if the app calls anything else outside it, or stops calling these.
 */
const OUTSIDE_POLICY: Record<string, string> = {
  'sts:GetCallerIdentity': 'needs no permission: AWS answers it for any valid credentials',
  's3:ListAllMyBuckets': 'attempted for the picker; AccessDenied is expected and means "type a name"',
  's3:CreateBucket': 'only when the user asks; AccessDenied says to create the bucket in the console',
};

function glob(pattern: string): RegExp {
  return new RegExp('^' + pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('') + '$');
}

function allows(doc: PolicyDocument, use: Use): boolean {
  return doc.Statement.some((s) => {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    if (s.Effect !== 'Allow' || !actions.some((a) => glob(a).test(use.action))) return false;
    if (!resources.some((r) => glob(r).test(use.resource))) return false;
    for (const [op, conds] of Object.entries(s.Condition ?? {})) {
      if (op !== 'StringEquals') return false;
      for (const [key, value] of Object.entries(conds)) {
        const tag = key.replace(/^aws:ResourceTag\//, '');
        if (use.tags?.[tag] !== value) return false;
      }
    }
    return true;
  });
}

const s3Arn = (bucket: string, key?: string) => (key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`);
const S3_ACTIONS: Record<string, string> = {
  ListObjectsV2Command: 's3:ListBucket',
  HeadBucketCommand: 's3:ListBucket',
  GetBucketAclCommand: 's3:GetBucketAcl',
  GetBucketLifecycleConfigurationCommand: 's3:GetLifecycleConfiguration',
  PutBucketLifecycleConfigurationCommand: 's3:PutLifecycleConfiguration',
  PutObjectCommand: 's3:PutObject',
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  DeleteObjectCommand: 's3:DeleteObject',
  PutObjectTaggingCommand: 's3:PutObjectTagging',
  GetObjectTaggingCommand: 's3:GetObjectTagging',
  DeleteObjectTaggingCommand: 's3:DeleteObjectTagging',
  ListBucketsCommand: 's3:ListAllMyBuckets',
  CreateBucketCommand: 's3:CreateBucket',
};

type Input = Record<string, unknown>;
type MockLike = { calls(): { args: unknown[] }[] };
const commandsOf = (mock: MockLike) =>
  mock.calls().map((c) => {
    const cmd = c.args[0] as { constructor: { name: string }; input: Input };
    return { name: cmd.constructor.name, input: cmd.input };
  });

function s3Uses(mock: MockLike): Use[] {
  return commandsOf(mock).map(({ name, input }) => {
    const action = S3_ACTIONS[name];
    if (!action) throw new Error(`no IAM mapping for S3 ${name}`);
    return { action, resource: input.Key === undefined ? s3Arn(String(input.Bucket)) : s3Arn(String(input.Bucket), String(input.Key)) };
  });
}

function ec2Uses(mock: MockLike, tagsOf: (id: string) => Record<string, string>): Use[] {
  return commandsOf(mock).flatMap(({ name, input }) => {
    const action = `ec2:${name.replace(/Command$/, '')}`;
    if (action === 'ec2:TerminateInstances') return (input.InstanceIds as string[]).map((id) => ({ action, resource: '*', tags: tagsOf(id) }));
    if (action === 'ec2:CancelSpotInstanceRequests') return (input.SpotInstanceRequestIds as string[]).map((id) => ({ action, resource: '*', tags: tagsOf(id) }));
    const out: Use[] = [{ action, resource: '*' }];
    if (input.TagSpecifications) out.push({ action: 'ec2:CreateTags', resource: '*' });
    const profile = (input.IamInstanceProfile as { Name?: string } | undefined)?.Name;
    if (profile) out.push({ action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/${profile}` });
    return out;
  });
}

function iamUses(mock: MockLike): Use[] {
  return commandsOf(mock).flatMap(({ name, input }) => {
    const action = `iam:${name.replace(/Command$/, '')}`;
    const role = (n: unknown) => `arn:aws:iam::${ACCOUNT}:role/${String(n)}`;
    const profile = `arn:aws:iam::${ACCOUNT}:instance-profile/${String(input.InstanceProfileName)}`;
    switch (action) {
      case 'iam:GetRole':
      case 'iam:AttachRolePolicy':
        return [{ action, resource: role(input.RoleName) }];
      case 'iam:CreateRole':
        return [{ action, resource: role(input.RoleName) }, { action: 'iam:TagRole', resource: role(input.RoleName) }];
      case 'iam:CreatePolicy': {
        const p = `arn:aws:iam::${ACCOUNT}:policy/${String(input.PolicyName)}`;
        return [{ action, resource: p }, { action: 'iam:TagPolicy', resource: p }];
      }
      case 'iam:GetInstanceProfile':
        return [{ action, resource: profile }];
      case 'iam:CreateInstanceProfile':
        return [{ action, resource: profile }, { action: 'iam:TagInstanceProfile', resource: profile }];
      case 'iam:AddRoleToInstanceProfile':
        return [{ action, resource: profile }, { action: 'iam:PassRole', resource: role(input.RoleName) }];
      default:
        throw new Error(`no IAM mapping for ${action}`);
    }
  });
}

function standinUses(s: AwsStandin): Use[] {
  return s.calls.flatMap(({ service, action, input }) => {
    const a = `${service}:${action}`;
    if (service === 'logs') {
      const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${String(input.logGroupName)}`;
      if (action === 'DescribeLogGroups') return [{ action: a, resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` }];
      if (action === 'CreateLogStream' || action === 'PutLogEvents') return [{ action: a, resource: `${group}:log-stream:${String(input.logStreamName)}` }];
      return [{ action: a, resource: `${group}:*` }];
    }
    const id = String(input.SecretId ?? input.Name);
    const arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
    const out: Use[] = [{ action: a, resource: arn }];
    if (action === 'CreateSecret' && input.Tags) out.push({ action: 'secretsmanager:TagResource', resource: arn });
    return out;
  });
}

let app: AwsStandin;
let runner: AwsStandin;
beforeAll(async () => {
  app = await startAwsStandin();
  runner = await startAwsStandin();
});
afterAll(async () => {
  await app.stop();
  await runner.stop();
});

describe('the seed IAM policy covers the app', () => {
  it('grants every action the app calls, on the resources it calls them on; the runner stays within the instance role', async () => {
    const s3 = mockClient(S3Client);
    const sts = mockClient(STSClient);
    const { ec2, iam } = mockEc2Iam();
    const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
    const clientsFor = (s: AwsStandin): AwsClients => ({
      region: REGION,
      s3: new S3Client({ region: REGION }),
      sts: new STSClient({ region: REGION }),
      ec2: new EC2Client({ region: REGION }),
      iam: new IAMClient({ region: REGION }),
      logs: new CloudWatchLogsClient({ region: REGION, endpoint: s.endpoint, credentials: creds }),
      secrets: new SecretsManagerClient({ region: REGION, endpoint: s.endpoint, credentials: creds }),
    });
    const c = clientsFor(app);
    try {
      // The wizard.
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: 'arn:aws:iam::1:user/u' });
      s3.on(ListBucketsCommand).rejects(awsError('AccessDenied', '', 403));
      s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
      s3.on(CreateBucketCommand).rejects(awsError('AccessDenied', '', 403));
      s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', '', 404));
      ec2.on(RunInstancesCommand, { DryRun: true }).rejects(awsError('DryRunOperation', '', 412));
      ec2.on(CreateSecurityGroupCommand, { DryRun: true }).rejects(awsError('DryRunOperation', '', 412));
      const target = { credentials: { profile: 'default' }, region: REGION, bucket: BUCKET };
      await awsSetup.identity(target.credentials, c);
      await awsSetup.buckets(target, c);
      await awsSetup.checkBucket(target, c);
      await awsSetup.createBucket(target, c).catch(() => undefined);
      await awsSetup.checkPermissions(target, c);
      const { home } = await tempStorage();
      await awsSetup.save(target, home, c);

      // Runs: launch (on-demand and spot GPU with ports), secrets, logs, isAlive, why a runner is gone, stop -x before the runner, reconcile of orphans.
      const { storage } = await tempStorage();
      const bundle = join(home, 'runner.mjs');
      await writeFile(bundle, '');
      const compute = new AwsCompute({ config: { type: 'aws', bucket: BUCKET, region: REGION }, ec2: c.ec2, iam: c.iam, logs: c.logs, storage, home, runnerBundle: async () => bundle, sleep: async () => undefined });
      const job = makeJob();
      await new JobStore(storage).create(job);
      await compute.launch(job);
      await compute.launch(makeJob({ id: 'gpu,train,0', ports: 2, resources: { gpu: { count: 1 }, interruptible: true } }));
      const secrets = new AwsSecrets(c.secrets, storage, BUCKET, async (repo) => (await compute.instanceIdentity(repo)).roleArn);
      await secrets.set(job.repo, 'TOKEN', 'v');
      await secrets.set(job.repo, 'TOKEN', 'v2');
      await secrets.list(job.repo);
      await secrets.values(job.repo, ['TOKEN']);
      await secrets.delete(job.repo, 'TOKEN');
      for await (const _ of new CloudWatchLogs(c.logs, BUCKET).read(job)) void _;
      const tagged = { dstack_bucket: BUCKET, dstack_job: 'gone,train,0', dstack_repo: job.repo };
      const tagList = Object.entries(tagged).map(([Key, Value]) => ({ Key, Value }));
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-orphan', State: { Name: 'running' }, Tags: tagList }] }] });
      ec2.on(DescribeSpotInstanceRequestsCommand).resolves({ SpotInstanceRequests: [{ SpotInstanceRequestId: 'sir-orphan', State: 'active', Tags: tagList }] });
      await compute.isAlive(job);
      await compute.whyGone(job);
      await compute.cancel(job);
      await compute.reconcile();

      const appUses = [...s3Uses(s3), ...ec2Uses(ec2, () => tagged), ...iamUses(iam), ...standinUses(app), ...commandsOf(sts).map(() => ({ action: 'sts:GetCallerIdentity', resource: '*' }))];
      const seed = policyDocumentFor(BUCKET);
      const outside = appUses.filter((u) => !allows(seed, u));
      expect([...new Set(outside.map((u) => u.action))].sort()).toEqual(Object.keys(OUTSIDE_POLICY).sort());
      // The flows really ran: the main actions of each service were seen.
      const seen = new Set(appUses.map((u) => u.action));
      for (const a of ['ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:CancelSpotInstanceRequests', 'ec2:AuthorizeSecurityGroupIngress', 'iam:PassRole', 'iam:CreateRole', 'logs:FilterLogEvents', 'logs:CreateLogGroup', 'secretsmanager:PutResourcePolicy', 's3:PutLifecycleConfiguration']) {
        expect(seen, a).toContain(a);
      }
      expect(seen).not.toContain('logs:PutLogEvents');

      // The runner on the instance: writes the job's log and reads its secrets, with the instance role.
      const r = clientsFor(runner);
      const sink = await new CloudWatchLogs(r.logs, BUCKET).open(job);
      await sink.write([{ id: '1', time: Date.now(), stream: 'stdout', text: 'hi' }]);
      await sink.close();
      runner.secrets.set(`/dstack/${BUCKET}/secrets/${job.repo}/TOKEN`, { arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:/dstack/${BUCKET}/secrets/${job.repo}/TOKEN-AbCdEf`, value: 'v', tags: [] });
      await new AwsSecrets(r.secrets, storage, BUCKET, async () => ROLE_ARN).values(job.repo, ['TOKEN']);
      const role = rolePolicy(BUCKET, job.repo);
      const runnerUses = standinUses(runner);
      expect(runnerUses.map((u) => u.action)).toContain('logs:PutLogEvents');
      expect(runnerUses.filter((u) => !allows(role, u))).toEqual([]);
      // The bootstrap's own calls with the role: fetching the runner bundle, shipping its log.
      expect(allows(role, { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/runners/abc/runner.mjs` })).toBe(true);
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        expect(allows(role, { action, resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/dstack/runners/${BUCKET}:log-stream:${job.id}` })).toBe(true);
      }
      expect(allows(role, { action: 'ec2:TerminateInstances', resource: '*', tags: { dstack_bucket: BUCKET } })).toBe(true);
      expect(allows(role, { action: 'ec2:TerminateInstances', resource: '*', tags: { dstack_bucket: 'someone-else' } })).toBe(false);
    } finally {
      s3.restore();
      sts.restore();
      ec2.restore();
      iam.restore();
    }
  });

  it('would catch an action outside the policy', () => {
    expect(allows(policyDocumentFor(BUCKET), { action: 'logs:PutLogEvents', resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/dstack/jobs/${BUCKET}/r:log-stream:x` })).toBe(false);
    expect(allows(policyDocumentFor(BUCKET), { action: 's3:GetObject', resource: 'arn:aws:s3:::other-bucket/x' })).toBe(false);
    expect(allows(policyDocumentFor(BUCKET), { action: 'ec2:TerminateInstances', resource: '*', tags: {} })).toBe(false);
  });
});
