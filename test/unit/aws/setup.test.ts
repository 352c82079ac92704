/**
 * The wizard's setup API: identity, buckets, permission pre-flight and the
 * saved config. S3, STS, EC2 and IAM are aws-sdk-client-mock; CloudWatch
 * Logs and Secrets Manager are the loopback stand-in over HTTP.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeImagesCommand, DescribeSubnetsCommand, EC2Client, RunInstancesCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketAclCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../main/backends/aws/clients';
import { awsSetup, bucketNameProblem, defaultBucketName } from '../../../main/backends/aws/setup/index';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { ACCOUNT, awsError, BUCKET, mockEc2Iam, REGION } from './fixtures';

let standin: AwsStandin;
let s3: AwsClientStub<S3Client>;
let sts: AwsClientStub<STSClient>;
let m: ReturnType<typeof mockEc2Iam>;
let clients: AwsClients;
const target = { credentials: { profile: 'default' }, region: REGION };

beforeAll(async () => {
  standin = await startAwsStandin();
});
afterAll(() => standin.stop());

beforeEach(() => {
  s3 = mockClient(S3Client);
  sts = mockClient(STSClient);
  m = mockEc2Iam();
  const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
  clients = {
    region: REGION,
    s3: new S3Client({ region: REGION }),
    sts: new STSClient({ region: REGION }),
    ec2: new EC2Client({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION, endpoint: standin.endpoint, credentials: creds }),
    secrets: new SecretsManagerClient({ region: REGION, endpoint: standin.endpoint, credentials: creds }),
  };
  standin.denied.clear();
});
afterEach(() => {
  for (const x of [s3, sts, m.ec2, m.iam]) x.restore();
});

describe('identity and names', () => {
  it('shows the account from sts:GetCallerIdentity and suggests dstack-{account}-{region}', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ana` });
    const id = await awsSetup.identity(target.credentials, clients);
    expect(id).toEqual({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ana` });
    expect(defaultBucketName(id.account, REGION)).toBe(BUCKET);
    expect(bucketNameProblem(BUCKET)).toBeUndefined();
  });

  it('reports expired credentials once, with the fix', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
    await expect(awsSetup.identity(target.credentials, { ...clients, profile: 'work' })).rejects.toMatchObject({
      code: 'credentials',
      fix: expect.stringContaining('aws sso login --profile work'),
    });
  });

  it('validates bucket names', () => {
    expect(bucketNameProblem('My_Bucket')).toMatch(/lowercase/);
    expect(bucketNameProblem('ab')).toMatch(/3 to 63/);
    expect(bucketNameProblem('a..b')).toMatch(/two dots/);
    expect(bucketNameProblem('192.168.0.1')).toMatch(/IP address/);
  });

  it('lists the bundled regions', () => {
    expect(awsSetup.regions()).toContainEqual({ id: 'eu-west-1', name: 'Europe (Ireland)' });
  });
});

describe('buckets', () => {
  it('treats AccessDenied on ListBuckets as normal and asks for a typed name', async () => {
    s3.on(ListBucketsCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
    const out = await awsSetup.buckets(target, clients);
    expect(out).toEqual({ allowed: false, reason: expect.stringContaining('Type the bucket name') });
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: BUCKET, BucketRegion: REGION }] });
    expect(await awsSetup.buckets(target, clients)).toEqual({ allowed: true, buckets: [{ name: BUCKET, region: REGION }] });
  });

  it('checks a typed name with HeadBucket: fine, missing, in another region, or not ours', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    expect(await awsSetup.checkBucket({ ...target, bucket: BUCKET }, clients)).toEqual({ ok: true });
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
    expect(await awsSetup.checkBucket({ ...target, bucket: BUCKET }, clients)).toEqual({
      ok: false,
      problem: 'region',
      bucketRegion: 'us-east-1',
      message: `The bucket ${BUCKET} is in us-east-1, not in eu-west-1. Choose us-east-1 as the region, or use a bucket in eu-west-1.`,
    });
    s3.on(HeadBucketCommand).rejects(Object.assign(awsError('PermanentRedirect', '', 301), { $response: { headers: { 'x-amz-bucket-region': 'ap-south-1' } } }));
    expect(await awsSetup.checkBucket({ ...target, bucket: BUCKET }, clients)).toMatchObject({ ok: false, problem: 'region', bucketRegion: 'ap-south-1' });
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', '', 404));
    expect(await awsSetup.checkBucket({ ...target, bucket: BUCKET }, clients)).toMatchObject({ ok: false, problem: 'missing', canCreate: true });
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', '', 403));
    expect(await awsSetup.checkBucket({ ...target, bucket: BUCKET }, clients)).toMatchObject({ ok: false, problem: 'access' });
    expect(await awsSetup.checkBucket({ ...target, bucket: 'Bad_Name' }, clients)).toMatchObject({ ok: false, problem: 'syntax' });
  });

  it('creates the bucket in the region and adds the abort-multipart rule, keeping existing rules', async () => {
    s3.on(CreateBucketCommand).resolves({});
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [{ ID: 'mine', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }] });
    s3.on(PutBucketLifecycleConfigurationCommand).resolves({});
    await awsSetup.createBucket({ ...target, bucket: BUCKET }, clients);
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } });
    const rules = s3.commandCalls(PutBucketLifecycleConfigurationCommand)[0]!.args[0].input.LifecycleConfiguration!.Rules!;
    expect(rules.map((r: { ID?: string }) => r.ID)).toEqual(['mine', 'dstack-abort-incomplete-multipart-uploads']);
    expect(rules[1]!.AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 7 });
  });

  it('explains that the dstack policy cannot create buckets', async () => {
    s3.on(CreateBucketCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
    await expect(awsSetup.createBucket({ ...target, bucket: BUCKET }, clients)).rejects.toMatchObject({ code: 'permission', fix: expect.stringContaining('S3 console') });
  });
});

describe('permission pre-flight', () => {
  function allowS3() {
    for (const c of [ListObjectsV2Command, GetBucketAclCommand, PutObjectCommand, PutObjectTaggingCommand, GetObjectTaggingCommand, DeleteObjectTaggingCommand, GetObjectCommand, DeleteObjectCommand]) {
      s3.on(c as typeof ListObjectsV2Command).resolves({});
    }
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', '', 404));
  }

  it('is all green when the template is attached, and returns the filled-in policy', async () => {
    allowS3();
    m.ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412));
    m.ec2.on(CreateSecurityGroupCommand).rejects(awsError('DryRunOperation', '', 412));
    const out = await awsSetup.checkPermissions({ ...target, bucket: BUCKET }, clients);
    expect(out.rows).toEqual([
      { service: 'S3', ok: true, missing: [] },
      { service: 'EC2', ok: true, missing: [] },
      { service: 'IAM', ok: true, missing: [] },
      { service: 'CloudWatch Logs', ok: true, missing: [] },
      { service: 'Secrets Manager', ok: true, missing: [] },
    ]);
    expect(out.policy).toContain(`"arn:aws:s3:::${BUCKET}/*"`);
    expect(m.ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input).toMatchObject({ DryRun: true, ImageId: 'ami-new' });
    expect(m.ec2.commandCalls(DescribeImagesCommand)[0]!.args[0].input.Owners).toEqual(['amazon']);
  });

  it('names each missing action, grouped by service', async () => {
    allowS3();
    s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
    m.ec2.on(DescribeSubnetsCommand).rejects(awsError('UnauthorizedOperation', '', 403));
    m.ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', '', 403));
    m.ec2.on(CreateSecurityGroupCommand).rejects(awsError('DryRunOperation', '', 412));
    m.iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'not authorized to perform: iam:GetRole', 403));
    standin.denied.add('logs:FilterLogEvents');
    standin.denied.add('secretsmanager:GetSecretValue');
    const { rows } = await awsSetup.checkPermissions({ ...target, bucket: BUCKET }, clients);
    expect(rows).toEqual([
      { service: 'S3', ok: false, missing: ['s3:PutObject'] },
      { service: 'EC2', ok: false, missing: ['ec2:DescribeSubnets', 'ec2:RunInstances'] },
      { service: 'IAM', ok: false, missing: ['iam:GetRole'] },
      { service: 'CloudWatch Logs', ok: false, missing: ['logs:FilterLogEvents'] },
      { service: 'Secrets Manager', ok: false, missing: ['secretsmanager:GetSecretValue'] },
    ]);
  });
});

describe('save', () => {
  it('writes ~/.dstack/config.yaml in dstack keys, with the keychain key id and never a secret', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', '', 404));
    s3.on(PutBucketLifecycleConfigurationCommand).resolves({});
    const home = await mkdtemp(join(tmpdir(), 'dstack-home-'));
    const out = await awsSetup.save({ credentials: { keychainKeyId: 'AKIAIOSFODNN7EXAMPLE' }, region: REGION, bucket: BUCKET, subnet: 'subnet-a' }, home, clients);
    expect(out.config).toEqual({ type: 'aws', bucket: BUCKET, region: REGION, keychainKeyId: 'AKIAIOSFODNN7EXAMPLE', subnet: 'subnet-a' });
    const text = await readFile(join(home, 'config.yaml'), 'utf8');
    expect(parse(text)).toEqual({ backend: 'aws', bucket: BUCKET, region: REGION, subnet: 'subnet-a', keychain_key_id: 'AKIAIOSFODNN7EXAMPLE' });
    expect(s3.commandCalls(PutBucketLifecycleConfigurationCommand)).toHaveLength(1);
  });

  it('refuses a bucket in another region, naming it', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-west-2' });
    const home = await mkdtemp(join(tmpdir(), 'dstack-home-'));
    await expect(awsSetup.save({ ...target, bucket: BUCKET }, home, clients)).rejects.toMatchObject({ message: expect.stringContaining('is in us-west-2'), fix: 'Choose us-west-2 as the region.' });
  });
});
