/**
 * Service-account keys kept in the OS keychain, never as a plain file of
 * ours: `dstack config gcp --key-file` and the wizard read the key once,
 * check its shape, and store its JSON under the account
 * `{client_email}/{private_key_id}`; config.yaml keeps only that account.
 */
import { InvalidArgumentError } from '../../common/errors';
import { Keychain } from '../../node/keychain';

/** The keychain service of GCP keys (AWS keys are under `dstack-aws`). */
export const GCP_KEYCHAIN_SERVICE = 'dstack-gcp';

/** The fields of a service account key file this app uses. */
export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
}

const keychain = () => new Keychain(GCP_KEYCHAIN_SERVICE);

/** The key, or one error naming what is wrong with it (`source` names the file in the message). */
export function parseServiceAccountKey(text: string, source: string): ServiceAccountKey {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError(`${source} is not JSON, so it is not a service account key file.`, 'Download a JSON key in the console: IAM → Service accounts → Keys → Add key → JSON.');
  }
  if (data?.type !== 'service_account') {
    throw new InvalidArgumentError(`${source} is not a service account key (its type is "${String(data?.type)}").`,
      data?.type === 'authorized_user' ? 'This is a gcloud user login: leave out --key-file, and dstack uses it as Application Default Credentials.' : 'Download a JSON key in the console: IAM → Service accounts → Keys → Add key → JSON.');
  }
  for (const k of ['project_id', 'private_key_id', 'private_key', 'client_email'] as const) {
    if (typeof data[k] !== 'string' || !data[k]) throw new InvalidArgumentError(`${source} has no ${k}.`, 'Download a new JSON key for the service account; this one is incomplete.');
  }
  return data as unknown as ServiceAccountKey;
}

/** Stores the key; returns the account config.yaml keeps. */
export async function saveServiceAccountKey(key: ServiceAccountKey): Promise<string> {
  const account = `${key.client_email}/${key.private_key_id}`;
  await keychain().set(account, JSON.stringify(key));
  return account;
}

/** The stored key, or an error that says how to store it again. */
export async function loadServiceAccountKey(account: string): Promise<ServiceAccountKey> {
  const text = await keychain().get(account);
  if (!text) {
    throw new InvalidArgumentError(`The service account key ${account} is not in the OS keychain.`, 'Store it again with `dstack config gcp --key-file PATH`, or set up GCP again in the app.');
  }
  return parseServiceAccountKey(text, `The key ${account} in the keychain`);
}
