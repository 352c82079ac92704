/**
 * `dstack config aws` in-process: what it prints and what it writes to
 * config.yaml. S3, STS, EC2 and IAM are aws-sdk-client-mock; CloudWatch Logs
 * and Secrets Manager are the loopback stand-in over HTTP.
 */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CancelSpotInstanceRequestsCommand, CreateSecurityGroupCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketAclCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
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
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../../main/backends/aws/clients';
import { toDstackError } from '../../../main/common/errors';
import { configAws, configAwsCommand } from '../../../main/cli/commands/config-aws';
import { CliContext } from '../../../main/cli/context';
import { errorText } from '../../../main/cli/output';
import type { AwsStandin } from '../../helpers/aws-standin';
import { startAwsStandin } from '../../helpers/aws-standin';
import { ACCOUNT, awsError, BUCKET, mockEc2Iam, REGION } from '../aws/fixtures';
import { makeClients } from '../../../main/backends/aws/clients';
import { forgetKeys, keychainCredentials } from '../../../main/backends/aws/credentials';
import { names } from '../../../main/backends/aws/names';
import { sourceOf } from '../../../main/backends/aws/setup/index';
import { MADE_UP } from '../../../main/backends/aws/setup/permissions';

let standin: AwsStandin;
let s3: AwsClientStub<S3Client>;
let sts: AwsClientStub<STSClient>;
let m: ReturnType<typeof mockEc2Iam>;
let clients: AwsClients;
let home: string;
let printed: string[];

beforeAll(async () => {
  standin = await startAwsStandin();
});
afterAll(() => standin.stop());

beforeEach(async () => {
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
  for (const k of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) vi.stubEnv(k, '');
  home = await mkdtemp(join(tmpdir(), 'dstack-cli-aws-'));
  printed = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.join(' '));
  });
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/ana` });
  for (const c of [ListObjectsV2Command, GetBucketAclCommand, PutObjectCommand, PutObjectTaggingCommand, GetObjectTaggingCommand, DeleteObjectTaggingCommand, GetObjectCommand, DeleteObjectCommand]) {
    s3.on(c as typeof ListObjectsV2Command).resolves({});
  }
  s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', '', 404));
  s3.on(PutBucketLifecycleConfigurationCommand).resolves({});
  m.ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', '', 412));
  m.ec2.on(CreateSecurityGroupCommand).rejects(awsError('DryRunOperation', '', 412));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  for (const x of [s3, sts, m.ec2, m.iam]) x.restore();
});

const output = (): string => printed.join('\n');

describe('dstack config aws', () => {
  it('checks everything and writes config.yaml with backend, bucket, region and profile', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    await configAws({ profile: 'work', region: REGION }, home, clients);
    expect(parse(await readFile(join(home, 'config.yaml'), 'utf8'))).toEqual({ backend: 'aws', bucket: BUCKET, region: REGION, profile: 'work' });
    expect(s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: BUCKET });
    expect(output()).toContain(`AWS account ${ACCOUNT} (profile work).`);
    expect(output()).toMatch(/^S3\s+ok$/m);
    expect(output()).toMatch(/^Secrets Manager\s+ok$/m);
    expect(output()).toContain(`  bucket: ${BUCKET}`);
    expect(output()).not.toContain('missing');
  });

  it('stops at a bucket in another region with one line naming the region to use', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-west-2' });
    const err = await configAws({ profile: 'default', region: REGION, bucket: 'my-bucket' }, home, clients).catch((e: unknown) => e);
    const line = errorText(err);
    expect(line).toBe('The bucket my-bucket is in us-west-2, not in eu-west-1. Choose us-west-2 as the region, or use a bucket in eu-west-1. Use --region us-west-2, or another --bucket.');
    await expect(stat(join(home, 'config.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('asks for --create-bucket when the bucket is missing', async () => {
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', '', 404));
    const err = await configAws({ region: REGION, bucket: 'my-bucket' }, home, clients).catch((e: unknown) => e);
    expect(errorText(err)).toBe('There is no bucket named my-bucket. Add --create-bucket to create it, or pass another --bucket.');
  });

  it('does not save a config whose credentials lack actions: names each, says how to get the policy, fails', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
    standin.denied.add('logs:FilterLogEvents');
    const err = await configAws({ profile: 'work', region: REGION }, home, clients).catch((e: unknown) => e);
    expect(output()).toMatch(/^S3\s+missing s3:PutObject$/m);
    expect(output()).toMatch(/^CloudWatch Logs\s+missing logs:FilterLogEvents$/m);
    expect(output()).toMatch(/^EC2\s+ok$/m);
    expect(output()).toContain('Missing permissions (2):\n  s3:PutObject\n  logs:FilterLogEvents');
    expect(errorText(err)).toBe(
      'Not saved: profile work lacks 2 permission(s) dstack needs: s3:PutObject, logs:FilterLogEvents. ' +
        `Attach the dstack IAM policy to the user or role of profile work (print it with \`dstack config aws --profile work --region ${REGION} --bucket ${BUCKET} --show-policy\`), ` +
        'then run this command again. --force saves the config anyway.',
    );
    expect(toDstackError(err).code).toBe('permission');
    await expect(stat(join(home, 'config.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(s3.commandCalls(PutBucketLifecycleConfigurationCommand)).toHaveLength(0);
    expect(output()).not.toContain('Saved to');
  });

  const notSaved = (actions: string[]) =>
    `Not saved: profile work lacks ${actions.length} permission(s) dstack needs: ${actions.join(', ')}. ` +
    `Attach the dstack IAM policy to the user or role of profile work (print it with \`dstack config aws --profile work --region ${REGION} --bucket ${BUCKET} --show-policy\`), ` +
    'then run this command again. --force saves the config anyway.';
  /** The permission check's own empty role and profile (backends/aws/setup/passrole-probe.ts). */
  const PROFILE_NAME = names.checkRole(BUCKET);
  const deny: Record<string, () => void> = {
    'ec2:TerminateInstances': () => m.ec2.on(TerminateInstancesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)),
    'ec2:CancelSpotInstanceRequests': () => m.ec2.on(CancelSpotInstanceRequestsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)),
    'iam:PassRole': () => m.ec2.on(RunInstancesCommand, { IamInstanceProfile: { Name: PROFILE_NAME } }).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)),
  };

  for (const [action, row] of [['ec2:TerminateInstances', 'EC2'], ['ec2:CancelSpotInstanceRequests', 'EC2'], ['iam:PassRole', 'IAM']] as const) {
    it(`names a missing ${action}, which only a dry run can see, with the fix`, async () => {
      s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
      deny[action]!();
      const err = await configAws({ profile: 'work', region: REGION }, home, clients).catch((e: unknown) => e);
      expect(output()).toMatch(new RegExp(`^${row}\\s+missing ${action}$`, 'm'));
      expect(output()).toContain(`Missing permissions (1):\n  ${action}`);
      expect(errorText(err)).toBe(notSaved([action]));
      await expect(stat(join(home, 'config.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  }

  it('probes clean-up and PassRole with dry runs on made-up ids, and takes the tag-conditioned answers as allowed', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    m.ec2.on(TerminateInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound', `The instance ID '${MADE_UP.instance}' does not exist`, 400));
    m.ec2.on(CancelSpotInstanceRequestsCommand).rejects(awsError('InvalidSpotInstanceRequestID.NotFound', 'not found', 400));
    m.ec2.on(RunInstancesCommand, { IamInstanceProfile: { Name: PROFILE_NAME } }).rejects(awsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412));
    await configAws({ profile: 'work', region: REGION }, home, clients);
    expect(output()).toMatch(/^EC2\s+ok$/m);
    expect(output()).toMatch(/^IAM\s+ok$/m);
    expect(m.ec2.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [MADE_UP.instance], DryRun: true }]);
    expect(m.ec2.commandCalls(CancelSpotInstanceRequestsCommand).map((c) => c.args[0].input)).toEqual([{ SpotInstanceRequestIds: [MADE_UP.spotRequest], DryRun: true }]);
    const runs = m.ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(runs.map((i) => [i.DryRun, i.IamInstanceProfile?.Name])).toEqual([[true, undefined], [true, PROFILE_NAME]]);
  });

  it('does not blame PassRole when RunInstances itself is missing', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    m.ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', '', 403));
    const err = await configAws({ profile: 'work', region: REGION }, home, clients).catch((e: unknown) => e);
    expect(errorText(err)).toBe(notSaved(['ec2:RunInstances']));
    expect(m.ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);
  });

  it('prints the policy with --show-policy and still does not save', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    standin.denied.add('logs:FilterLogEvents');
    const err = await configAws({ region: REGION, showPolicy: true }, home, clients).catch((e: unknown) => e);
    expect(output()).toContain(`"arn:aws:s3:::${BUCKET}/*"`);
    expect(errorText(err)).toMatch(/^Not saved: profile default lacks 1 permission\(s\) dstack needs: logs:FilterLogEvents\. Attach the IAM policy printed above to the user or role of profile default, then run/);
    await expect(stat(join(home, 'config.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('saves anyway with --force, saying what will fail', async () => {
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    standin.denied.add('logs:FilterLogEvents');
    await configAws({ profile: 'work', region: REGION, force: true }, home, clients);
    expect(parse(await readFile(join(home, 'config.yaml'), 'utf8'))).toEqual({ backend: 'aws', bucket: BUCKET, region: REGION, profile: 'work' });
    expect(output()).toContain('Saving anyway (--force): runs will fail until the policy is attached.');
  });

  const KEY_ID = 'AKIAH8TESTKEY0000001';
  const SECRET = 'h8/secret+key/0123456789abcdefghijklmnop';
  const envKeys = (token = '') => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', KEY_ID);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', SECRET);
    vi.stubEnv('AWS_SESSION_TOKEN', token);
  };

  it('takes the keys in the environment, and saves a config that uses the environment again at run time', async () => {
    envKeys();
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    await configAws({ region: REGION }, home, clients);
    expect(output()).toContain(`AWS account ${ACCOUNT} (the keys in the environment (…0001)).\n` +
      'Using the keys in the environment (AWS_ACCESS_KEY_ID …0001). config.yaml will name no profile, so runs use the credentials of the environment they start in. ' +
      'To keep these keys for the app, run again with --keychain.');
    expect(parse(await readFile(join(home, 'config.yaml'), 'utf8'))).toEqual({ backend: 'aws', bucket: BUCKET, region: REGION });
    // What the setup's own clients sign with for this choice (no profile, no keychain): the environment's keys.
    const real = makeClients(REGION, sourceOf({ environment: true }));
    expect(await real.sts.config.credentials()).toMatchObject({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    real.sts.destroy();
  });

  it('an explicit or AWS_PROFILE profile wins over keys in the environment', async () => {
    envKeys();
    vi.stubEnv('AWS_PROFILE', 'work');
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    await configAws({ region: REGION }, home, clients);
    expect(output()).toContain(`AWS account ${ACCOUNT} (profile work).`);
    expect(parse(await readFile(join(home, 'config.yaml'), 'utf8'))).toEqual({ backend: 'aws', bucket: BUCKET, region: REGION, profile: 'work' });
  });

  it('--keychain stores the environment\'s keys in the OS keychain and saves only the key id', async () => {
    envKeys();
    s3.on(HeadBucketCommand).resolves({ BucketRegion: REGION });
    try {
      await configAws({ region: REGION, keychain: true }, home, clients);
      expect(output()).toContain(`AWS account ${ACCOUNT} (access key …0001).\nStored access key …0001 in the OS keychain (from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).`);
      const text = await readFile(join(home, 'config.yaml'), 'utf8');
      expect(parse(text)).toEqual({ backend: 'aws', bucket: BUCKET, region: REGION, keychain_key_id: KEY_ID });
      expect(text).not.toContain(SECRET);
      expect(await keychainCredentials(KEY_ID)).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    } finally {
      await forgetKeys(KEY_ID);
    }
  });

  it('--keychain refuses temporary keys (with AWS_SESSION_TOKEN), saying what to use instead', async () => {
    envKeys('token');
    const err = await configAws({ region: REGION, keychain: true }, home, clients).catch((e: unknown) => e);
    expect(errorText(err)).toBe('The keys in the environment come with AWS_SESSION_TOKEN: they are temporary and cannot be kept in the keychain. ' +
      'Use a ~/.aws profile (--profile), or run without --keychain to use the environment as it is.');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('documents --force in --help', () => {
    const help = configAwsCommand(new CliContext()).helpInformation();
    expect(help).toMatch(/--force\s+save the config even when permissions are missing/);
  });

  it('rejects a region it does not know before calling AWS', async () => {
    const err = await configAws({ region: 'mars-1' }, home, clients).catch((e: unknown) => e);
    expect(errorText(err)).toMatch(/^"mars-1" is not an AWS region dstack knows\. Use one of: .*eu-west-1/);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});
