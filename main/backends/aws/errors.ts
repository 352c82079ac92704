/**
 * Turns AWS SDK errors into the few messages a user can act on. Every call
 * site names the IAM action it made, so AccessDenied says exactly which
 * permission is missing, and quota errors say which quota to raise.
 */
import { DstackError, PermissionError } from '../../common/errors';
import { defaultHost, endpointOverride, serviceOfAction } from './endpoints';

export interface AwsCallContext {
  /** The IAM action, e.g. `ec2:RunInstances`. */
  action: string;
  resource?: string;
  region?: string;
  /** For EC2 capacity and quota errors. */
  instanceType?: string;
  spot?: boolean;
  profile?: string;
  /** Where endpoint overrides are read; process.env unless a test says otherwise. */
  env?: NodeJS.ProcessEnv;
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

const BAD_KEY_CODES = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure', 'InvalidAccessKeyId']);
const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenProviderError']);
const SIGNATURE_CODES = new Set(['SignatureDoesNotMatch', 'InvalidSignatureException', 'RequestExpired', 'RequestTimeTooSkewed']);
const CREDENTIAL_CODES = new Set([...BAD_KEY_CODES, ...EXPIRED_CODES, ...SIGNATURE_CODES, 'CredentialsProviderError']);

const DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden']);

/** Socket and DNS failures: nothing answered, so no AWS code exists. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EPIPE', 'TimeoutError']);

/** The fix for credentials that do not work: re-login for SSO, otherwise new keys. */
export function credentialsFix(profile?: string): string {
  return profile
    ? `Run \`aws sso login --profile ${profile}\` if it is an SSO profile, or refresh the keys of profile "${profile}" in ~/.aws/credentials.`
    : 'Enter a valid access key pair (IAM console → Users → Security credentials), or pick a working ~/.aws profile.';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err ?? '');
}

export function isCredentialsError(err: unknown): boolean {
  const code = awsErrorCode(err);
  if (CREDENTIAL_CODES.has(code)) return true;
  return /token (has|is) expired|session .*expired|could not load credentials|unable to load credentials/i.test(message(err));
}

/** Whether no AWS server answered at all (refused, DNS, timeout, reset). */
export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; errors?: { code?: string }[] } | undefined;
  if (!e || typeof e !== 'object') return false;
  return NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.name ?? '') || (e.errors ?? []).some((x) => NETWORK_CODES.has(x?.code ?? ''));
}

/**
 * "Cannot reach": an endpoint override that does not answer names its
 * variable and value (the usual cause is a stopped local stand-in); otherwise
 * the AWS host the SDK tried, and the network or proxy as the fix.
 */
function unreachable(err: unknown, ctx: AwsCallContext): DstackError {
  const service = serviceOfAction(ctx.action);
  const override = service ? endpointOverride(service, ctx.env) : undefined;
  const code = (err as { code?: string }).code ?? awsErrorCode(err);
  if (override) {
    return new DstackError('unavailable', `Cannot reach ${override.variable}=${override.value}: nothing answers there (${code}).`, {
      fix: `Start the service at ${override.value}, or unset ${override.variable} to use AWS itself.`,
      details: { variable: override.variable, value: override.value, networkCode: code },
      cause: err,
    });
  }
  const host = (err as { hostname?: string }).hostname || (service ? defaultHost(service, ctx.region) : 'amazonaws.com');
  return new DstackError('unavailable', `Cannot reach AWS (${host}): check the network or proxy.`, {
    fix: 'Check that this computer is online, and set HTTPS_PROXY if your network needs a proxy.',
    details: { host, networkCode: code },
    cause: err,
  });
}

/** Keys AWS does not know, a secret that does not match, a clock off, or an expired session: each has its own fix. */
function credentialsProblem(err: unknown, ctx: AwsCallContext): DstackError {
  const code = awsErrorCode(err);
  const raw = message(err);
  const of = ctx.profile ? ` of profile "${ctx.profile}"` : '';
  const opts = { details: { awsCode: code }, cause: err };
  if (code === 'RequestTimeTooSkewed' || (SIGNATURE_CODES.has(code) && /skew|signature expired|not yet current|request has expired/i.test(raw))) {
    return new DstackError('credentials', "This computer's clock is too far from AWS's time, so AWS rejects its signed requests.", {
      ...opts,
      fix: 'Turn on automatic date and time (network time) in the system settings, then try again.',
    });
  }
  if (BAD_KEY_CODES.has(code)) {
    return new DstackError('credentials', `AWS does not know the access key${of}: it is mistyped, deleted or deactivated.`, {
      ...opts,
      fix: ctx.profile ? `Fix the keys of profile "${ctx.profile}" in ~/.aws/credentials, or pick another profile.` : 'Check the access key ID, or create a new key pair in IAM → Users → Security credentials.',
    });
  }
  if (code === 'SignatureDoesNotMatch' || code === 'InvalidSignatureException') {
    return new DstackError('credentials', `The secret access key${of} does not match its access key ID.`, {
      ...opts,
      fix: 'Paste the secret again from the CSV IAM gave you when the key was created, or create a new key pair.',
    });
  }
  if (EXPIRED_CODES.has(code) || /expired/i.test(raw)) {
    return new DstackError('credentials', `The AWS session${of} has expired.`, {
      ...opts,
      fix: ctx.profile ? `Run \`aws sso login --profile ${ctx.profile}\` (or refresh the profile's temporary keys), then try again.` : 'Sign in again to get fresh temporary credentials, then try again.',
    });
  }
  return new DstackError('credentials', `The AWS credentials${of} could not be used.`, { ...opts, fix: credentialsFix(ctx.profile) });
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
  const raw = message(err);
  const where = ctx.region ? ` in ${ctx.region}` : '';
  if (isNetworkError(err)) return unreachable(err, ctx);
  if (isCredentialsError(err)) return credentialsProblem(err, ctx);
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
      details: { awsCode: code, shortage: true },
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
