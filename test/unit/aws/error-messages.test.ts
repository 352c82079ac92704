/**
 * What the credentials check says for each way AWS can refuse it, through the
 * real awsSetup.identity path with STS mocked (aws-sdk-client-mock): bad keys,
 * a secret that does not match, clock skew, an expired SSO session and no
 * network each get their own sentence and fix, never the SDK's text.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../main/backends/aws/clients';
import { awsSetup } from '../../../main/backends/aws/setup/index';
import { awsError } from './fixtures';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

function clients(profile?: string): AwsClients {
  return { region: 'us-east-1', ...(profile ? { profile } : {}), sts: new STSClient({ region: 'us-east-1' }) } as AwsClients;
}

async function identityError(err: Error, profile?: string): Promise<{ code: string; message: string; fix: string }> {
  sts.on(GetCallerIdentityCommand).rejects(err);
  const out: unknown = await awsSetup.identity(profile ? { profile } : { keychainKeyId: 'AKIAIOSFODNN7EXAMPLE' }, clients(profile)).catch((e: unknown) => e);
  return out as { code: string; message: string; fix: string };
}

describe('the credentials check explains each refusal', () => {
  it('bad key id: AWS does not know the key, check it or make a new pair', async () => {
    const e = await identityError(awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403));
    expect(e).toMatchObject({ code: 'credentials', message: 'AWS does not know the access key: it is mistyped, deleted or deactivated.' });
    expect(e.fix).toContain('IAM → Users → Security credentials');
  });

  it('wrong secret: the secret does not match its key id', async () => {
    const e = await identityError(awsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.', 403));
    expect(e).toMatchObject({ code: 'credentials', message: 'The secret access key does not match its access key ID.' });
  });

  it('clock skew, as SignatureDoesNotMatch with a skew message or RequestTimeTooSkewed: fix the clock', async () => {
    for (const err of [
      awsError('SignatureDoesNotMatch', 'Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T001500Z - 5 min.)', 403),
      awsError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403),
    ]) {
      const e = await identityError(err);
      expect(e).toMatchObject({ code: 'credentials', message: "This computer's clock is too far from AWS's time, so AWS rejects its signed requests." });
      expect(e.fix).toContain('automatic date and time');
      sts.reset();
    }
  });

  it('expired SSO session: names the profile and the login command', async () => {
    const e = await identityError(awsError('ExpiredToken', 'The security token included in the request is expired', 403), 'work');
    expect(e).toMatchObject({ code: 'credentials', message: 'The AWS session of profile "work" has expired.' });
    expect(e.fix).toContain('aws sso login --profile work');
  });

  it('no network and no override: names the STS host', async () => {
    const e = await identityError(Object.assign(new Error('connect ECONNREFUSED 52.94.0.1:443'), { code: 'ECONNREFUSED' }));
    expect(e).toMatchObject({ code: 'unavailable', message: 'Cannot reach AWS (sts.us-east-1.amazonaws.com): check the network or proxy.' });
  });
});
