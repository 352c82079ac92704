/**
 * Encrypts the projects' cloud credentials before they reach the database,
 * with AES-256-GCM under a key the database never holds: a stolen database
 * file or dump alone does not give away a team's cloud keys. The key is the
 * environment's DSTACK_HUB_KEY (base64, for several hub processes that must
 * share one key) or else the file DSTACK_HOME/hub/secret.key, made once with
 * 32 random bytes and mode 0600, and refused when others may read it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, lstat, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DstackError } from '../common/errors';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../node/private-dir';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** The environment variable that carries the key, base64, instead of the key file. */
export const HUB_KEY_ENV = 'DSTACK_HUB_KEY';

/** The key file's path: beside the hub's SQLite file, never inside the database. */
export function hubKeyPath(home: string): string {
  return join(home, 'hub', 'secret.key');
}

/** Seals and opens small secrets; `context` (e.g. the project name) binds a sealed value to its row. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`A SecretBox key is ${KEY_BYTES} bytes, not ${key.length}.`);
    this.#key = key;
  }

  /** `v1:` + base64 of IV, GCM tag and ciphertext. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** The plain text, or a DstackError when the key differs from the one that sealed it (or the value was altered). */
  open(sealed: string, context: string): string {
    const raw = sealed.startsWith(`${VERSION}:`) ? Buffer.from(sealed.slice(VERSION.length + 1), 'base64') : Buffer.alloc(0);
    try {
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new DstackError('config', `The hub cannot decrypt the stored secret of ${context}: its key is not the one that encrypted it.`, {
        fix: `Start every hub process with the same ${HUB_KEY_ENV} (or the same secret.key file) that stored the credentials, or store them again.`,
        cause: err,
      });
    }
  }
}

/** The hub's SecretBox: from DSTACK_HUB_KEY when set, else from the key file (created on first start). */
export async function loadSecretBox(home: string, env: NodeJS.ProcessEnv = process.env): Promise<SecretBox> {
  const fromEnv = env[HUB_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[A-Za-z0-9+/]{43}=?$/.test(fromEnv.trim())) {
      throw new DstackError('config', `${HUB_KEY_ENV} must be ${KEY_BYTES} random bytes in base64 (44 characters ending in =); it is ${fromEnv.trim().length} characters.`, {
        fix: `Make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`,
      });
    }
    return new SecretBox(Buffer.from(fromEnv.trim(), 'base64'));
  }
  return new SecretBox(await keyFile(hubKeyPath(home)));
}

async function keyFile(path: string): Promise<Buffer> {
  await ensurePrivateDir(join(path, '..'), "The hub's folder");
  let st = await lstatOrUndefined(path);
  if (!st) {
    await createKeyFile(path);
    st = await lstat(path);
  }
  if (!st.isFile()) {
    throw new DstackError('permission', `The hub's key file ${path} is not a regular file; the hub will not use it.`, { fix: `Remove it (rm ${path}) and start the hub again to make a new key, or set ${HUB_KEY_ENV}.` });
  }
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new DstackError('permission', `The hub's key file ${path} has mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: other users may read it, so the hub will not use it.`, {
      fix: `Make it private with: chmod 600 ${path}`,
    });
  }
  const key = await readFile(path);
  if (key.length !== KEY_BYTES) {
    throw new DstackError('config', `The hub's key file ${path} holds ${key.length} bytes, not ${KEY_BYTES}.`, {
      fix: `Restore the key file from a backup, or set ${HUB_KEY_ENV}; credentials stored under the lost key must be stored again.`,
    });
  }
  return key;
}

/**
 * Writes a fresh key beside the target and links it into place: link fails
 * if another hub process made the key first, so two starting at once end up
 * with one key, and nobody ever reads a half-written file.
 */
async function createKeyFile(path: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(randomBytes(KEY_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
