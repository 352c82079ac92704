/**
 * "Cannot reach" messages from real sockets: an endpoint override pointing at
 * a closed local port names its variable and value, and a host that DNS
 * cannot resolve (`.invalid`) is named with the network as the fix. Never
 * the SDK's own `connect ECONNREFUSED …` text.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClients, type AwsClients } from '../../../main/backends/aws/clients';
import { awsSetup } from '../../../main/backends/aws/setup/index';

const VARS = ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_S3', 'AWS_PROFILE'];
const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
let closed: string;

/** A local port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-unreach-'));
  await writeFile(join(dir, 'config'), '[profile test]\nregion = us-east-1\n');
  await writeFile(join(dir, 'credentials'), '[test]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
  for (const k of VARS) delete process.env[k];
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  closed = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
});

describe('an endpoint override that does not answer', () => {
  it('names AWS_ENDPOINT_URL and its value when the credentials check cannot connect', async () => {
    process.env.AWS_ENDPOINT_URL = closed;
    try {
      const err = await awsSetup.identity({ profile: 'test' }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'unavailable',
        message: `Cannot reach AWS_ENDPOINT_URL=${closed}: nothing answers there (ECONNREFUSED).`,
        fix: `Start the service at ${closed}, or unset AWS_ENDPOINT_URL to use AWS itself.`,
      });
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });

  it('names the per-service variable (AWS_ENDPOINT_URL_S3) when the bucket list cannot connect', async () => {
    process.env.AWS_ENDPOINT_URL_S3 = closed;
    try {
      const err = await awsSetup.buckets({ credentials: { profile: 'test' }, region: 'us-east-1' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unavailable', message: `Cannot reach AWS_ENDPOINT_URL_S3=${closed}: nothing answers there (ECONNREFUSED).` });
    } finally {
      delete process.env.AWS_ENDPOINT_URL_S3;
    }
  });
});

describe('a host DNS cannot resolve', () => {
  it('names the host and points at the network or proxy', async () => {
    const base = makeClients('us-east-1', { profile: 'test' });
    base.sts.destroy();
    // Configured on the client, not through the environment: the message is then about AWS itself, not an override.
    const clients: AwsClients = { ...base, sts: new STSClient({ region: 'us-east-1', endpoint: 'https://sts.us-east-1.amazonaws.com.invalid', maxAttempts: 1, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } }) };
    const err = await awsSetup.identity({ profile: 'test' }, clients).catch((e: unknown) => e);
    clients.sts.destroy();
    expect(err).toMatchObject({
      code: 'unavailable',
      message: 'Cannot reach AWS (sts.us-east-1.amazonaws.com.invalid): check the network or proxy.',
      fix: expect.stringContaining('HTTPS_PROXY'),
    });
  });
});
