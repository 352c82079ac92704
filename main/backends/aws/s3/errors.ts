/**
 * Turns S3 SDK failures into the typed errors users read. Each call site
 * names the IAM action it needs, so an AccessDenied says exactly which line
 * of the seed policy is missing; everything else gets a sentence and a fix.
 */
import { CancelledError, DstackError, PermissionError } from '../../../common/errors';

/** What a failed S3 call was doing, for the message. */
export interface S3CallContext {
  /** The IAM action the call needs, e.g. `s3:GetObject`. */
  action: string;
  bucket: string;
  key?: string;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);
const BAD_KEYS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'UnrecognizedClientException']);
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE',
]);
const RETRYABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'SlowDown']);

/** True for S3's "no such object" answers, which reads turn into `undefined`. */
export function isNotFound(err: unknown): boolean {
  const e = err as SdkErrorShape;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}

/** True when a failure is worth another attempt: the network or S3 hiccuped. */
export function isTransient(err: unknown): boolean {
  const e = err as SdkErrorShape;
  if (!e) return false;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Runs a whole-object read again when the connection drops. The SDK retries
 * a request until its headers arrive, but a body that is cut off mid-stream
 * (s3rver and busy proxies close keep-alive sockets) surfaces after that, so
 * the read itself has to be repeated.
 */
export async function retryTransient<T>(read: () => Promise<T>, attempts = 3, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= attempts || signal?.aborted || !isTransient(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/** Maps any error from an S3 call to a DstackError that names what to do. */
export function mapS3Error(err: unknown, ctx: S3CallContext): DstackError {
  if (err instanceof DstackError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const where = ctx.key === undefined ? `s3://${ctx.bucket}` : `s3://${ctx.bucket}/${ctx.key}`;
  const opts = { cause: err, details: { action: ctx.action, bucket: ctx.bucket, key: ctx.key, awsError: name } };
  if (name === 'AbortError') return new CancelledError();
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || (e.$metadata?.httpStatusCode === 403 && !BAD_KEYS.has(name) && !EXPIRED.has(name))) {
    const resource = ctx.key === undefined ? `arn:aws:s3:::${ctx.bucket}` : `arn:aws:s3:::${ctx.bucket}/${ctx.key}`;
    return new PermissionError(ctx.action, resource, err);
  }
  if (name === 'NoSuchBucket') {
    return new DstackError('config', `The S3 bucket "${ctx.bucket}" does not exist.`, {
      ...opts,
      fix: 'Check the bucket name, or run `dstack config aws` to pick or create one.',
    });
  }
  if (EXPIRED.has(name)) {
    return new DstackError('credentials', 'The AWS credentials have expired.', {
      ...opts,
      fix: 'Refresh them (for SSO: `aws sso login`), or enter new keys with `dstack config aws`.',
    });
  }
  if (BAD_KEYS.has(name)) {
    return new DstackError('credentials', `AWS rejected the credentials (${name}).`, {
      ...opts,
      fix: 'Check the access key and secret, or the profile, with `dstack config aws`.',
    });
  }
  if (NO_CREDENTIALS.has(name)) {
    return new DstackError('credentials', `No usable AWS credentials: ${e.message ?? name}`, {
      ...opts,
      fix: 'Set AWS_PROFILE, sign in with `aws sso login`, or enter keys with `dstack config aws`.',
    });
  }
  if (WRONG_REGION.has(name)) {
    return new DstackError('config', `The S3 bucket "${ctx.bucket}" is in another region than the one configured.`, {
      ...opts,
      fix: "Set the bucket's region with `dstack config aws`.",
    });
  }
  if (isTransient(err)) {
    return new DstackError('unavailable', `S3 could not be reached for ${where}: ${e.message || name || e.code}.`, {
      ...opts,
      fix: 'Check the network connection (or AWS_ENDPOINT_URL_S3) and try again.',
    });
  }
  return new DstackError('internal', `S3 failed on ${where} (${ctx.action}): ${e.message || name || 'unknown error'}.`, opts);
}
