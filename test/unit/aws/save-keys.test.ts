/**
 * `aws.saveKeys` checks the pair with sts:GetCallerIdentity before it touches
 * the OS keychain (real keytar, under test/with-keyring.sh): keys AWS refuses
 * are never stored and never replace a stored pair; keys it accepts are.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import keytar from 'keytar';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE } from '../../../main/backends/aws/credentials';
import { awsSetup } from '../../../main/backends/aws/setup/index';
import { awsError } from './fixtures';

const KEY_ID = 'AKIAH9VERIFYTEST0001';
const GOOD = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TYPO = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX';
const sts = mockClient(STSClient);

afterEach(() => sts.reset());
afterAll(async () => {
  sts.restore();
  await keytar.deletePassword(KEYCHAIN_SERVICE, KEY_ID).catch(() => false);
});

describe('aws.saveKeys verifies before it stores', () => {
  it('stores nothing when AWS refuses the pair, and says which part is wrong', async () => {
    sts.on(GetCallerIdentityCommand).rejects(awsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', 403));
    await expect(awsSetup.saveKeys(KEY_ID, TYPO)).rejects.toMatchObject({ code: 'credentials', message: 'The secret access key does not match its access key ID.' });
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, KEY_ID)).toBeNull();
  });

  it('stores an accepted pair, and a later refused retype leaves it in place', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ana' });
    expect(await awsSetup.saveKeys(` ${KEY_ID} `, GOOD)).toEqual({ keychainKeyId: KEY_ID, keyIdLast4: '0001' });
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, KEY_ID)).toBe(GOOD);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);

    sts.reset();
    sts.on(GetCallerIdentityCommand).rejects(awsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', 403));
    await expect(awsSetup.saveKeys(KEY_ID, TYPO)).rejects.toMatchObject({ code: 'credentials' });
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, KEY_ID)).toBe(GOOD);
  });

  it('refuses a malformed pair by field before calling AWS', async () => {
    await expect(awsSetup.saveKeys(KEY_ID, 'short')).rejects.toMatchObject({ code: 'invalid_argument', message: 'Secret access key must be 40 characters (letters, digits, / + =); this one has 5.' });
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});
