import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeClients } from '../../../main/backends/aws/clients';
import { mockEc2Iam, REGION } from './fixtures';

let m: ReturnType<typeof mockEc2Iam>;
beforeEach(() => {
  m = mockEc2Iam();
});
afterEach(() => {
  m.ec2.restore();
  m.iam.restore();
});

describe('createAwsBackend', () => {
  it('points each client at AWS_ENDPOINT_URL_<SERVICE>, falling back to AWS_ENDPOINT_URL', async () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1111', AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:2222', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:3333' };
    const c = makeClients(REGION, { profile: 'default' }, env);
    const host = async (client: { config: { endpoint?: () => Promise<{ hostname: string; port?: number }> } }) => (await client.config.endpoint!()).port;
    expect(await host(c.logs)).toBe(2222);
    expect(await host(c.secrets)).toBe(3333);
    expect(await host(c.ec2)).toBe(1111);
    expect(await host(c.iam)).toBe(1111);
    expect(await host(c.sts)).toBe(1111);
    expect(c.s3.config.forcePathStyle).toBe(true);
  });
});
