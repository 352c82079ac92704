/**
 * Secrets for the local backend. Values live only in the OS keychain
 * (service `dstack-local`, account `{repo}/{NAME}`), never in a file. The
 * names are also kept as empty marker objects in storage, so listing
 * secrets, and showing which ones a run uses, never needs the keychain.
 */
import type { Secrets, Storage } from '../../core/backend';
import { keys } from '../../core/keys';
import { InvalidArgumentError, NotFoundError } from '../../common/errors';
import { Keychain } from '../../node/keychain';

export const KEYCHAIN_SERVICE = 'dstack-local';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Secrets become environment variables, so their names must be valid ones. */
export function checkSecretName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(
      `"${name}" is not a valid secret name.`,
      'A secret name is an environment variable name: letters, digits and "_", not starting with a digit.',
    );
  }
}

export class LocalSecrets implements Secrets {
  private readonly keychain: Keychain;

  constructor(
    private readonly storage: Storage,
    service = KEYCHAIN_SERVICE,
  ) {
    this.keychain = new Keychain(service);
  }

  async set(repo: string, name: string, value: string): Promise<void> {
    checkSecretName(name);
    await this.keychain.set(`${repo}/${name}`, value);
    await this.storage.put(keys.secretMarker(repo, name), '');
  }

  async delete(repo: string, name: string): Promise<void> {
    checkSecretName(name);
    const existed = await this.keychain.delete(`${repo}/${name}`);
    const marker = keys.secretMarker(repo, name);
    const listed = (await this.storage.head(marker)) !== undefined;
    if (!existed && !listed) throw new NotFoundError(`There is no secret named ${name}.`, 'See `dstack secrets list`.');
    await this.storage.delete([marker]);
  }

  async list(repo: string): Promise<string[]> {
    const prefix = keys.secretMarkerPrefix(repo);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.storage.list(prefix, { token });
      for (const o of page.objects) names.push(o.key.slice(prefix.length));
      token = page.next;
    } while (token);
    return names;
  }

  async values(repo: string, names: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of names) {
      checkSecretName(name);
      const value = await this.keychain.get(`${repo}/${name}`);
      if (value === null) {
        throw new NotFoundError(`The secret ${name} is not set.`, `Add it with \`dstack secrets add ${name}\`.`);
      }
      out[name] = value;
    }
    return out;
  }
}
