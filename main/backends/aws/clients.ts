/**
 * One place that builds SDK clients for a region and a credentials source,
 * with custom endpoints from the environment. Everything else takes these
 * clients as arguments, which is what lets tests mock EC2/IAM/STS and point
 * Logs and Secrets Manager at the loopback stand-in.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { CredentialsSource } from './credentials';
import { credentialsProvider } from './credentials';
import type { AwsService } from './endpoints';
import { endpointFor } from './endpoints';
import { ProxyAwareHandler } from './proxy-handler';

export interface AwsClients {
  region: string;
  /** The profile name, for error fixes (`aws sso login --profile X`). */
  profile?: string;
  s3: S3Client;
  ec2: EC2Client;
  iam: IAMClient;
  sts: STSClient;
  logs: CloudWatchLogsClient;
  secrets: SecretsManagerClient;
}

interface Common {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  endpoint?: string;
  maxAttempts: number;
  /** Honours HTTPS_PROXY / NO_PROXY, which the SDK's own handler ignores. */
  requestHandler: ProxyAwareHandler;
}

function common(service: AwsService, region: string, credentials: AwsCredentialIdentityProvider, env: NodeJS.ProcessEnv): Common {
  const endpoint = endpointFor(service, env);
  return { region, credentials, maxAttempts: 5, requestHandler: new ProxyAwareHandler(), ...(endpoint ? { endpoint } : {}) };
}

/**
 * An S3 client for setup calls (ListBuckets, HeadBucket, CreateBucket,
 * lifecycle). A custom endpoint means an S3-compatible store: path-style, and
 * checksums only where required, as s3rver and most such stores need.
 */
export function makeS3Client(region: string, credentials: AwsCredentialIdentityProvider, env: NodeJS.ProcessEnv = process.env): S3Client {
  const c = common('S3', region, credentials, env);
  return new S3Client({
    ...c,
    forcePathStyle: Boolean(c.endpoint),
    ...(c.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
  });
}

/** An STS client for checking a key pair before it is stored (`aws.saveKeys`). */
export function makeStsClient(region: string, credentials: AwsCredentialIdentityProvider, env: NodeJS.ProcessEnv = process.env): STSClient {
  return new STSClient(common('STS', region, credentials, env));
}

/** Clients for every service the backend uses, sharing one credentials provider. */
export function makeClients(region: string, src: CredentialsSource, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const credentials = credentialsProvider(src);
  // IAM and STS are global but signed for us-east-1 unless an endpoint says otherwise; the SDK handles both.
  return {
    region,
    ...(src.profile ? { profile: src.profile } : {}),
    s3: makeS3Client(region, credentials, env),
    ec2: new EC2Client(common('EC2', region, credentials, env)),
    iam: new IAMClient(common('IAM', region, credentials, env)),
    sts: new STSClient(common('STS', region, credentials, env)),
    logs: new CloudWatchLogsClient(common('CLOUDWATCH_LOGS', region, credentials, env)),
    secrets: new SecretsManagerClient(common('SECRETS_MANAGER', region, credentials, env)),
  };
}

/** Closes every client's sockets. */
export function destroyClients(c: AwsClients): void {
  for (const client of [c.s3, c.ec2, c.iam, c.sts, c.logs, c.secrets]) client.destroy();
}
