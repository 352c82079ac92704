/**
 * `dstack server` for the AWS wizard specs: S3 is s3rver, CloudWatch Logs and
 * Secrets Manager the loopback stand-in (both reached through
 * AWS_ENDPOINT_URL_*, as the app honours them), and STS, EC2 and IAM are
 * stubbed in this process with aws-sdk-client-mock, since nothing here can
 * serve them. Profiles come from temp AWS_CONFIG_FILE/credentials files.
 *
 * Scenarios by environment: DSTACK_TEST_S3_LIST=deny makes ListBuckets
 * AccessDenied (the narrow policy); DSTACK_TEST_DENY names one EC2 action
 * to deny. The bucket `eu-artifacts` answers as if it lived in eu-central-1.
 * DSTACK_TEST_STS=real leaves STS unmocked, for specs that point
 * AWS_ENDPOINT_URL_STS at something real (or at nothing).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { startAwsStandin } from '../helpers/aws-standin';
import { startS3rver } from '../helpers/s3rver';

export const ACCOUNT = '123456789012';
export const WRONG_REGION_BUCKET = 'eu-artifacts';

function awsError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} (stand-in)`), { name, Code: name, $fault: 'client', $metadata: { httpStatusCode: status }, ...extra });
}

const s3 = await startS3rver();
const standin = await startAwsStandin();
const dir = mkdtempSync(join(tmpdir(), 'dstack-aws-'));
writeFileSync(join(dir, 'config'), '[profile test]\nregion = us-east-1\n\n[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n');
writeFileSync(join(dir, 'credentials'), `[test]\naws_access_key_id = ${s3.credentials.accessKeyId}\naws_secret_access_key = ${s3.credentials.secretAccessKey}\n`);
Object.assign(process.env, {
  AWS_CONFIG_FILE: join(dir, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: standin.endpoint,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: standin.endpoint,
  DSTACK_TEST_S3_BUCKET: s3.bucket,
});

if (process.env.DSTACK_TEST_STS !== 'real') mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/tester`, UserId: 'AIDTEST' });
const ec2 = mockClient(EC2Client);
ec2.onAnyCommand().resolves({});
ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0test', Name: 'dstack-test', CreationDate: '2026-01-01T00:00:00.000Z', State: 'available' }] });
ec2.on(RunInstancesCommand).rejects(awsError('DryRunOperation', 412));
if (process.env.DSTACK_TEST_DENY === 'ec2:RunInstances') ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation', 403));
mockClient(IAMClient).onAnyCommand().rejects(awsError('NoSuchEntity', 404));

// S3 stays real (s3rver) except for the two answers s3rver cannot give.
const send = S3Client.prototype.send;
S3Client.prototype.send = function patched(this: S3Client, command: unknown, ...rest: unknown[]) {
  if (command instanceof ListBucketsCommand && process.env.DSTACK_TEST_S3_LIST === 'deny') return Promise.reject(awsError('AccessDenied', 403));
  if (command instanceof HeadBucketCommand && command.input.Bucket === WRONG_REGION_BUCKET) {
    return Promise.reject(awsError('PermanentRedirect', 301, { BucketRegion: 'eu-central-1' }));
  }
  return (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
} as typeof send;

process.once('exit', () => void Promise.all([s3.stop(), standin.stop()]));
await import('./serve');
