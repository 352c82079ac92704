/**
 * The OS keychain, through keytar, for the local backend's secrets and
 * GCP's stored service-account keys: Keychain on macOS, Credential Vault on
 * Windows, the Secret Service (libsecret: GNOME Keyring, KWallet, KeePassXC)
 * on Linux. keytar is loaded on first use, so a machine without libsecret
 * can still run everything that does not touch a secret, and every failure
 * becomes one 'unavailable' error that says what to install.
 */
import type * as KeytarModule from 'keytar';
import { DstackError } from '../common/errors';

type Keytar = typeof KeytarModule;

export const KEYCHAIN_FIX =
  'On Linux, install and unlock a Secret Service keyring (for example `sudo apt install gnome-keyring libsecret-1-0`, ' +
  'then log in to a desktop session, or run under `dbus-run-session` with `gnome-keyring-daemon --unlock`). ' +
  'macOS and Windows have a keychain built in.';

export function keychainUnavailable(cause: unknown): DstackError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new DstackError('unavailable', `The OS keychain is unavailable, so secrets cannot be stored or read (${why}).`, {
    fix: KEYCHAIN_FIX,
    cause,
  });
}

let loaded: Promise<Keytar> | undefined;

async function keytar(): Promise<Keytar> {
  loaded ??= import('keytar').then((m) => ((m as { default?: Keytar }).default ?? m) as Keytar);
  try {
    return await loaded;
  } catch (err) {
    loaded = undefined;
    throw keychainUnavailable(err);
  }
}

/** Runs one keychain call, turning a missing or locked keychain into a clear error. */
async function call<T>(fn: (k: Keytar) => Promise<T>): Promise<T> {
  const k = await keytar();
  try {
    return await fn(k);
  } catch (err) {
    throw keychainUnavailable(err);
  }
}

/** One service's entries in the OS keychain. */
export class Keychain {
  constructor(readonly service: string) {}

  get(account: string): Promise<string | null> {
    return call((k) => k.getPassword(this.service, account));
  }

  set(account: string, value: string): Promise<void> {
    return call((k) => k.setPassword(this.service, account, value));
  }

  /** True when there was an entry to delete. */
  delete(account: string): Promise<boolean> {
    return call((k) => k.deletePassword(this.service, account));
  }
}
