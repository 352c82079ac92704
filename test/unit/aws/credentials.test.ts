/**
 * Credentials: profiles read from the files AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE name, and keys in the real OS keychain (this
 * file runs under test/with-keyring.sh).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsProvider, forgetKeys, KEYCHAIN_SERVICE, saveKeys } from '../../../main/backends/aws/credentials';
import { listProfiles } from '../../../main/backends/aws/profiles';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
let dir: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-awscfg-'));
  await writeFile(
    join(dir, 'config'),
    [
      '[default]',
      'region = eu-west-1',
      '[profile work]',
      'sso_session = corp',
      'sso_account_id = 111122223333',
      'sso_role_name = Dev',
      'region = us-east-2',
      '[sso-session corp]',
      'sso_start_url = https://corp.awsapps.com/start',
      'sso_region = us-east-1',
      '[profile legacy-sso]',
      'sso_start_url = https://old.awsapps.com/start',
    ].join('\n'),
  );
  await writeFile(join(dir, 'credentials'), `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n[ci]\naws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = x\n`);
  for (const k of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) saved[k] = process.env[k];
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  await keytar.deletePassword(KEYCHAIN_SERVICE, KEY_ID).catch(() => false);
});

describe('profiles', () => {
  it('lists profiles from both files, default first, marking SSO ones', async () => {
    expect(await listProfiles()).toEqual([
      { name: 'default', sso: false, region: 'eu-west-1' },
      { name: 'ci', sso: false },
      { name: 'legacy-sso', sso: true },
      { name: 'work', sso: true, region: 'us-east-2' },
    ]);
  });

  it('resolves a profile through the SDK chain', async () => {
    const creds = await credentialsProvider({ profile: 'default' })();
    expect(creds.accessKeyId).toBe(KEY_ID);
  });

  it('turns an SSO profile without a login into one credentials error with the login command', async () => {
    await expect(credentialsProvider({ profile: 'work' })()).rejects.toMatchObject({ code: 'credentials', fix: 'Run `aws sso login --profile work` and try again.' });
    await expect(credentialsProvider({ profile: 'nope' })()).rejects.toMatchObject({ code: 'credentials', message: expect.stringContaining('"nope" does not exist') });
  });
});

describe('keychain keys', () => {
  it('stores the secret in the OS keychain only, and reads it back by key id', async () => {
    const out = await saveKeys(` ${KEY_ID} `, SECRET);
    expect(out).toEqual({ keychainKeyId: KEY_ID, keyIdLast4: 'MPLE' });
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, KEY_ID)).toBe(SECRET);
    expect(await credentialsProvider({ keychainKeyId: KEY_ID })()).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(await forgetKeys(KEY_ID)).toBe(true);
    await expect(credentialsProvider({ keychainKeyId: KEY_ID })()).rejects.toMatchObject({ code: 'credentials', message: expect.stringContaining('…MPLE') });
  });

  it('refuses malformed and temporary keys with a fix', async () => {
    await expect(saveKeys('ASIAIOSFODNN7EXAMPLE', SECRET)).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('temporary keys (ASIA…)') });
    await expect(saveKeys('AKIA123', SECRET)).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('20 letters and digits starting with AKIA') });
    await expect(saveKeys(KEY_ID, 'short')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('40 characters') });
  });
});
