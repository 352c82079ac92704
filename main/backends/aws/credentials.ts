/**
 * Where the backend's AWS credentials come from: a `~/.aws` profile (through
 * the SDK's own resolution, so SSO, role chaining and credential_process all
 * work), an access key pair kept in the OS keychain, or, with neither (the
 * runner on EC2), the SDK's default chain, which finds the instance role.
 * Secrets stay in the keychain and in memory: never on disk, never logged.
 * keytar is loaded on first use: the runner bundle on EC2 has no native
 * modules and never needs the keychain.
 */
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type * as KeytarModule from 'keytar';
import { DstackError, InvalidArgumentError } from '../../common/errors';
import { accessKeyIdProblem, secretAccessKeyProblem } from '../../common/fields';
import { credentialsFix } from './errors';
import { listProfiles } from './profiles';

/** Keychain service name; the account is the access key id. */
export const KEYCHAIN_SERVICE = 'dstack-aws';

export interface CredentialsSource {
  profile?: string;
  keychainKeyId?: string;
  /** Keys held in memory by the caller (a team hub's stored project keys), never in a config file or argv. */
  keys?: AwsCredentialIdentity;
}

function keychainError(err: unknown): DstackError {
  return new DstackError('unavailable', 'The OS keychain is not available, so the AWS keys cannot be stored or read.', {
    fix: 'Unlock the login keychain (on Linux, start a Secret Service such as gnome-keyring), or use a ~/.aws profile instead.',
    cause: err,
  });
}

let loaded: Promise<typeof KeytarModule> | undefined;

async function keytar(): Promise<typeof KeytarModule> {
  loaded ??= import('keytar').then((m) => ((m as { default?: typeof KeytarModule }).default ?? m) as typeof KeytarModule);
  try {
    return await loaded;
  } catch (err) {
    loaded = undefined;
    throw keychainError(err);
  }
}

/** The trimmed key pair, or one error naming the field that is malformed (checked before any network call). */
export function checkKeyShape(accessKeyId: string, secretAccessKey: string): { id: string; secret: string } {
  const id = accessKeyId.trim();
  const secret = secretAccessKey.trim();
  const idProblem = accessKeyIdProblem(id);
  if (idProblem) throw new InvalidArgumentError(idProblem, 'Copy it from IAM → Users → Security credentials.', { fields: ['accessKeyId'] });
  const secretProblem = secretAccessKeyProblem(secret);
  if (secretProblem) throw new InvalidArgumentError(secretProblem, 'Copy it from the CSV IAM gave you when the key was created.', { fields: ['secretAccessKey'] });
  return { id, secret };
}

/**
 * Stores a long-term access key pair in the OS keychain; returns what config
 * may keep (the key id). Callers verify the pair with AWS first
 * (`awsSetup.saveKeys`), so a mistyped key never replaces a working one.
 */
export async function saveKeys(accessKeyId: string, secretAccessKey: string): Promise<{ keychainKeyId: string; keyIdLast4: string }> {
  const { id, secret } = checkKeyShape(accessKeyId, secretAccessKey);
  const k = await keytar();
  try {
    await k.setPassword(KEYCHAIN_SERVICE, id, secret);
  } catch (err) {
    throw keychainError(err);
  }
  return { keychainKeyId: id, keyIdLast4: id.slice(-4) };
}

/** Removes a stored key pair; true when there was one. */
export async function forgetKeys(keychainKeyId: string): Promise<boolean> {
  const k = await keytar();
  try {
    return await k.deletePassword(KEYCHAIN_SERVICE, keychainKeyId);
  } catch (err) {
    throw keychainError(err);
  }
}

/** The stored key pair, for clients that take static keys (the S3 storage client). */
export async function keychainCredentials(keyId: string): Promise<AwsCredentialIdentity> {
  const k = await keytar();
  let secret: string | null;
  try {
    secret = await k.getPassword(KEYCHAIN_SERVICE, keyId);
  } catch (err) {
    throw keychainError(err);
  }
  if (!secret) {
    throw new DstackError('credentials', `The OS keychain has no secret for access key …${keyId.slice(-4)}.`, {
      fix: 'Enter the access key pair again in Settings → AWS.',
    });
  }
  return { accessKeyId: keyId, secretAccessKey: secret };
}

/**
 * The credentials provider for a source. Failures to resolve (an expired SSO
 * session, a missing profile) become one `credentials` error with the fix.
 */
export function credentialsProvider(src: CredentialsSource): AwsCredentialIdentityProvider {
  if (src.keys) {
    const keys = src.keys;
    return async () => keys;
  }
  if (src.keychainKeyId) {
    const keyId = src.keychainKeyId;
    let cached: Promise<AwsCredentialIdentity> | undefined;
    return () => {
      cached ??= keychainCredentials(keyId).catch((err) => {
        cached = undefined;
        throw err;
      });
      return cached;
    };
  }
  const inner = src.profile ? fromIni({ profile: src.profile }) : fromNodeProviderChain();
  return async (opts) => {
    try {
      return await inner(opts);
    } catch (err) {
      throw await credentialsProblem(src.profile, err);
    }
  };
}

async function credentialsProblem(profile: string | undefined, err: unknown): Promise<DstackError> {
  if (!profile) {
    return new DstackError('credentials', 'No AWS credentials were found.', {
      fix: 'Pick a ~/.aws profile or enter an access key pair in Settings → AWS.',
      cause: err,
    });
  }
  const known = (await listProfiles().catch(() => [])).find((p) => p.name === profile);
  if (!known) {
    return new DstackError('credentials', `The AWS profile "${profile}" does not exist in ~/.aws/config or ~/.aws/credentials.`, {
      fix: 'Run `aws configure --profile ' + profile + '` or pick another profile.',
      cause: err,
    });
  }
  return new DstackError('credentials', `The AWS credentials of profile "${profile}" could not be loaded: they are missing, invalid or expired.`, {
    fix: known.sso ? `Run \`aws sso login --profile ${profile}\` and try again.` : credentialsFix(profile),
    cause: err,
  });
}
