/**
 * Builds the one S3 client the app uses. The SDK v3 already reads AWS_REGION,
 * AWS_PROFILE and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 (unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set) on its own; what it does not do
 * is switch to path-style addressing for a custom endpoint, which stand-ins
 * like s3rver, MinIO or a proxy on 127.0.0.1 need because they cannot serve
 * `bucket.host` names. So only that is added here.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { ProxyAwareHandler } from '../proxy-handler';

/** Static keys, as kept in the OS keychain. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ClientOptions {
  /** The bucket's region; absent means the SDK's chain (AWS_REGION, then the profile). */
  region?: string;
  /** Explicit keys (from the OS keychain); absent means the SDK's default provider chain. */
  credentials?: S3Credentials;
  /** A `~/.aws` profile; absent means AWS_PROFILE or `default`, as the SDK decides. */
  profile?: string;
  /** An explicit endpoint; wins over AWS_ENDPOINT_URL(_S3). */
  endpoint?: string;
  /**
   * Sockets per host. Transfers run many parallel streams (8 per large file,
   * up to 64 small files at once); the SDK's default of 50 would queue them.
   */
  maxSockets?: number;
}

const DEFAULT_MAX_SOCKETS = 128;

/** The custom S3 endpoint the SDK will use from the environment, if any. */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * Checksums only when S3 requires them: stand-ins reject or mangle the
 * trailing CRC checksums that newer SDKs send by default, and we verify
 * content ourselves against the ETag (see verify.ts).
 */
export function createS3Client(opts: S3ClientOptions = {}): S3Client {
  const custom = opts.endpoint ?? endpointFromEnv();
  return new S3Client({
    region: opts.region,
    credentials: opts.credentials,
    profile: opts.profile,
    endpoint: opts.endpoint,
    forcePathStyle: custom !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new ProxyAwareHandler({ maxSockets: opts.maxSockets ?? DEFAULT_MAX_SOCKETS, connectionTimeout: 10_000, socketTimeout: 60_000 }),
  });
}
