/**
 * Where the object GETs of downloads go and how they are signed, asked of
 * the S3 client's own public endpoint resolution (its `endpointProvider`
 * with S3's documented endpoint parameters), so a GET goes exactly where the
 * SDK would send a GetObject: a virtual host over HTTPS on AWS, the path for
 * bucket names with dots, FIPS and dual-stack when configured, and a custom
 * endpoint (the client's own, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DstackError } from '../../../common/errors';
import { endpointFromEnv } from './client';
import type { S3Target } from './target';

/** Where GETs for one bucket go and how they are signed. */
export interface ObjectRoute {
  /** `protocol://host[:port]`, what the HTTP client connects to. */
  origin: string;
  /** The path up to the key: `/bucket/` for path style, `/` for virtual hosts. */
  base: string;
  signingRegion: string;
  signingName: string;
}

interface AuthScheme {
  name?: string;
  signingRegion?: string;
  signingName?: string;
}

/** The route of GETs for `t.bucket`, as the client's endpoint rules resolve it. */
export async function resolveObjectRoute(t: S3Target): Promise<ObjectRoute> {
  const config = t.client.config;
  const region = await config.region();
  const endpoint = await configuredEndpoint(t.client);
  const resolved = config.endpointProvider({
    Bucket: t.bucket,
    Region: region,
    UseFIPS: await config.useFipsEndpoint(),
    UseDualStack: await config.useDualstackEndpoint(),
    ForcePathStyle: config.forcePathStyle ?? false,
    Accelerate: config.useAccelerateEndpoint ?? false,
    ...(endpoint ? { Endpoint: endpoint } : {}),
  });
  const url = resolved.url;
  const schemes = (resolved.properties?.authSchemes ?? []) as AuthScheme[];
  const sigv4 = schemes.find((s) => s.name === 'sigv4');
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !sigv4) {
    throw new DstackError('config', `Downloads from the S3 bucket "${t.bucket}" need Signature Version 4 requests to an http(s) endpoint, which this configuration does not produce.`, {
      fix: 'Use a regular S3 bucket (or an S3-compatible endpoint) with `dstack config aws`.',
    });
  }
  return {
    origin: url.origin,
    base: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
    signingRegion: sigv4.signingRegion ?? region,
    signingName: sigv4.signingName ?? 's3',
  };
}

/** The client's own endpoint, else the one the SDK takes from the environment. */
async function configuredEndpoint(client: S3Client): Promise<string | undefined> {
  const own = client.config.endpoint;
  if (!own) return endpointFromEnv();
  const e = await own();
  return `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`;
}
