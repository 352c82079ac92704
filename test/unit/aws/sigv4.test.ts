import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { SigningCredentials } from '../../../main/backends/aws/s3/sigv4';
import { GetSigner } from '../../../main/backends/aws/s3/sigv4';

const EXAMPLE = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

interface SdkSigner {
  sign(req: object, opts: { signingDate: Date; signingRegion: string; signingService: string }): Promise<{ headers: Record<string, string> }>;
}

/** The signer the SDK's own S3 client signs with, for these credentials and region. */
async function sdkSigner(creds: SigningCredentials, region: string): Promise<SdkSigner> {
  const client = new S3Client({ region, credentials: creds });
  const make = client.config.signer as unknown as (scheme: object) => Promise<SdkSigner>;
  return make({ name: 'sigv4', signingName: 's3', signingRegion: region, properties: {} });
}

describe('GetSigner', () => {
  it('computes the signature of the GET Object example in the S3 documentation', () => {
    const h = new GetSigner('us-east-1', 's3').sign('/test.txt', 'examplebucket.s3.amazonaws.com', { range: 'bytes=0-9' }, EXAMPLE, new Date('2013-05-24T00:00:00Z'));
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(h['x-amz-date']).toBe('20130524T000000Z');
  });

  it('signs exactly as the SDK does: session tokens, encoded keys, If-Match, a new day, rotated keys', async () => {
    const region = 'eu-west-1';
    const host = 'my-bucket.s3.eu-west-1.amazonaws.com';
    const first = { ...EXAMPLE, sessionToken: 'IQoJb3JpZ2luX2VjE//session+token==' };
    const rotated = { accessKeyId: 'ASIAROTATEDKEY', secretAccessKey: 'another/secret+key', sessionToken: 'second-token' };
    const ours = new GetSigner(region, 's3');
    const cases: [SigningCredentials, string, Record<string, string>, string][] = [
      [first, '/a%20b/c%2Bd%21%28x%29%2A~.txt', { 'if-match': '"0123456789abcdef0123456789abcdef"' }, '2026-11-28T23:59:59.900Z'],
      [first, '/runs/%C3%BC/part.bin', { 'if-match': '"abc-3"', range: 'bytes=16777216-33554431' }, '2026-11-29T00:00:01.000Z'],
      [rotated, '/x', { 'if-match': '"d41d8cd98f00b204e9800998ecf8427e"' }, '2026-11-29T00:00:02.000Z'],
    ];
    for (const [creds, path, headers, when] of cases) {
      const date = new Date(when);
      const { authorization, ...sent } = ours.sign(path, host, headers, creds, date);
      expect(sent['x-amz-security-token']).toBe(creds.sessionToken);
      const sdk = await sdkSigner(creds, region);
      const ref = await sdk.sign({ method: 'GET', protocol: 'https:', hostname: host, path, query: {}, headers: sent }, { signingDate: date, signingRegion: region, signingService: 's3' });
      expect(authorization).toBe(ref.headers.authorization);
    }
  });
});
