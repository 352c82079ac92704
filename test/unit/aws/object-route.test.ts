// Where downloads send their GETs (object-route.ts asks the S3 client's public
// endpoint resolution; nothing goes out): real S3's virtual-hosted and
// path-style addressing over HTTPS, and a custom endpoint over HTTP, as the SDK decides.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { resolveObjectRoute } from '../../../main/backends/aws/s3/object-route';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

afterEach(() => vi.unstubAllEnvs());

/** As on a user's machine with no custom endpoint configured. */
function onAws(): void {
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) vi.stubEnv(name, '');
}

describe('the route of an object GET', () => {
  it('goes to the bucket\'s virtual host in its region on AWS, over HTTPS', async () => {
    onAws();
    const client = createS3Client({ region: 'eu-west-1', credentials });
    expect(await resolveObjectRoute({ client, bucket: 'dstack-142421590066-eu-west-1' })).toEqual({
      origin: 'https://dstack-142421590066-eu-west-1.s3.eu-west-1.amazonaws.com',
      base: '/',
      signingRegion: 'eu-west-1',
      signingName: 's3',
    });
  });

  it('uses the path for a bucket name with dots, which no TLS certificate covers as a host', async () => {
    onAws();
    const client = createS3Client({ region: 'us-east-2', credentials });
    expect(await resolveObjectRoute({ client, bucket: 'my.dotted.bucket' })).toMatchObject({
      origin: 'https://s3.us-east-2.amazonaws.com',
      base: '/my.dotted.bucket/',
      signingRegion: 'us-east-2',
    });
  });

  it('follows AWS_ENDPOINT_URL_S3 to an S3-compatible store, path-style', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:9000');
    const client = createS3Client({ region: 'us-east-1', credentials });
    expect(await resolveObjectRoute({ client, bucket: 'artifacts' })).toMatchObject({
      origin: 'http://127.0.0.1:9000',
      base: '/artifacts/',
    });
  });
});

describe('the route of an object GET from a client with its own endpoint', () => {
  it('follows the client\'s endpoint over AWS_ENDPOINT_URL_S3', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:9000');
    const client = createS3Client({ region: 'us-east-1', credentials, endpoint: 'http://localhost:9555' });
    expect(await resolveObjectRoute({ client, bucket: 'artifacts' })).toMatchObject({ origin: 'http://localhost:9555', base: '/artifacts/' });
  });
});
