/**
 * Turns AWS SDK errors into the few messages a user can act on. Every call
 * site names the IAM action it made, so AccessDenied says exactly which
 * permission is missing, and quota errors say which quota to raise.
 */
import { DstackError, PermissionError } from '../../common/errors';

export interface AwsCallContext {
  /** The IAM action, e.g. `ec2:RunInstances`. */
  action: string;
  resource?: string;
  region?: string;
  /** For EC2 capacity and quota errors. */
  instanceType?: string;
  spot?: boolean;
  profile?: string;
}

/** The fields of an SDK v3 service exception that the mapping reads. */
export function awsErrorCode(err: unknown): string {
  if (!err || typeof err !== 'object') return '';
  const e = err as { name?: string; Code?: string; code?: string };
  return e.Code || e.code || e.name || '';
}

export function awsErrorStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const CREDENTIAL_CODES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'InvalidAccessKeyId',
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidSignatureException',
]);

const DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden']);

/** The fix for credentials that do not work: re-login for SSO, otherwise new keys. */
export function credentialsFix(profile?: string): string {
  return profile
    ? `Run \`aws sso login --profile ${profile}\` if it is an SSO profile, or refresh the keys of profile "${profile}" in ~/.aws/credentials.`
    : 'Enter a valid access key pair (IAM console → Users → Security credentials), or pick a working ~/.aws profile.';
}

export function isCredentialsError(err: unknown): boolean {
  const code = awsErrorCode(err);
  if (CREDENTIAL_CODES.has(code)) return true;
  const msg = err instanceof Error ? err.message : '';
  return /token (has|is) expired|session .*expired|could not load credentials|unable to load credentials/i.test(msg);
}

export function isAccessDenied(err: unknown): boolean {
  return DENIED_CODES.has(awsErrorCode(err)) || (awsErrorStatus(err) === 403 && !isCredentialsError(err));
}

/**
 * EC2 vCPU quotas are per instance family group. New accounts start with 0
 * for GPU families, so the first GPU run usually lands here.
 */
export function quotaName(instanceType: string | undefined, spot: boolean | undefined): string {
  const family = (instanceType ?? '').split('.')[0] ?? '';
  const group = /^(g|vt)/.test(family) ? 'G and VT' : /^p/.test(family) ? 'P' : /^(inf|trn|dl|f|x)/.test(family) ? family.toUpperCase() : 'Standard (A, C, D, H, I, M, R, T, Z)';
  return spot ? `All ${group} Spot Instance Requests` : `Running On-Demand ${group} instances`;
}

/** Maps an SDK error to one DstackError with a fix; unknown errors keep the AWS message. */
export function mapAwsError(err: unknown, ctx: AwsCallContext): DstackError {
  if (err instanceof DstackError) return err;
  const code = awsErrorCode(err);
  const raw = err instanceof Error ? err.message : String(err);
  const where = ctx.region ? ` in ${ctx.region}` : '';
  if (isCredentialsError(err)) {
    return new DstackError('credentials', `The AWS credentials${ctx.profile ? ` of profile "${ctx.profile}"` : ''} are expired or invalid (${code || raw}).`, {
      fix: credentialsFix(ctx.profile),
      cause: err,
    });
  }
  if (isAccessDenied(err)) return new PermissionError(ctx.action, ctx.resource, err);
  if (code === 'VcpuLimitExceeded' || code === 'MaxSpotInstanceCountExceeded' || code === 'InstanceLimitExceeded') {
    const quota = quotaName(ctx.instanceType, ctx.spot);
    return new DstackError('quota', `Your account's vCPU quota${where} is too low for ${ctx.instanceType ?? 'this instance'} (quota "${quota}").`, {
      fix: `New accounts have a GPU quota of 0. Request more in the Service Quotas console (EC2 → "${quota}") for ${ctx.region ?? 'this region'}: https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas`,
      details: { awsCode: code, quota },
      cause: err,
    });
  }
  if (code === 'InsufficientInstanceCapacity' || code === 'InsufficientCapacity' || code === 'SpotMaxPriceTooLow' || code === 'Unsupported') {
    const spot = ctx.spot ? 'spot ' : '';
    return new DstackError('capacity', `AWS has no ${spot}capacity for ${ctx.instanceType ?? 'this instance type'}${where} right now.`, {
      fix: ctx.spot
        ? 'Try again later, pick another region, or run on-demand (remove `interruptible: true`).'
        : 'Try again later, pick another region, or ask for different resources.',
      details: { awsCode: code },
      cause: err,
    });
  }
  if (code === 'VPCIdNotSpecified' || /default VPC/i.test(raw)) {
    return new DstackError('config', `There is no default VPC${where}.`, {
      fix: 'Create one with `aws ec2 create-default-vpc`, or set a subnet in the AWS settings.',
      cause: err,
    });
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || awsErrorStatus(err) === 301) {
    return new DstackError('config', `The bucket is in a different region than ${ctx.region ?? 'the one configured'}.`, {
      fix: 'Choose the bucket\'s region in the AWS settings, or use a bucket in this region.',
      cause: err,
    });
  }
  if (code === 'OptInRequired') {
    return new DstackError('config', `The region ${ctx.region ?? ''} is not enabled for this account.`, {
      fix: 'Enable the region in the AWS console (Account → AWS Regions), or pick another one.',
      cause: err,
    });
  }
  if (code === 'ThrottlingException' || code === 'RequestLimitExceeded' || code === 'ServiceUnavailable') {
    return new DstackError('unavailable', `AWS is throttling ${ctx.action}; try again in a minute.`, { cause: err });
  }
  return new DstackError('internal', `${ctx.action} failed: ${raw}`, { details: { awsCode: code }, cause: err });
}

/** Runs one AWS call and maps its failure. */
export async function aws<T>(ctx: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapAwsError(err, ctx);
  }
}
