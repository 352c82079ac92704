/**
 * Folders only this user may enter. dstack keeps job code, logs, artifacts
 * and records on local disk; in a folder other users can read, or one they
 * created first, they can read them or plant files that a job later runs.
 * So dstack's own folders are made 0700, and an existing one is checked
 * before use: a real folder (not a symbolic link someone else points
 * elsewhere), owned by this user, with no group or other access.
 */
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, stat } from 'node:fs/promises';
import { DstackError } from '../common/errors';

/** Mode of every folder dstack creates for itself: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file dstack creates for itself: the owner only. */
export const PRIVATE_FILE_MODE = 0o600;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function refuse(what: string, path: string, problem: string, fix: string): DstackError {
  return new DstackError('permission', `${what} ${path} ${problem}; dstack keeps it private and will not use it.`, { fix, details: { path } });
}

async function statOrUndefined(path: string, follow: boolean): Promise<Stats | undefined> {
  try {
    return follow ? await stat(path) : await lstat(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** The uid of this process, or undefined where there are no uids (Windows). */
function myUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Creates `path` as a 0700 folder, or checks the one that is there: it must
 * be a real folder (never a symbolic link) owned by this user; group and
 * other access is taken away. Anything else is refused with a
 * DstackError('permission') naming the folder and the fix, so nothing is
 * ever written into, or run from, a folder someone else controls.
 */
export async function ensurePrivateDir(path: string, what = 'The folder'): Promise<void> {
  let st = await statOrUndefined(path, false);
  if (!st) {
    try {
      await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    st = await lstat(path);
  }
  if (st.isSymbolicLink()) {
    throw refuse(what, path, 'is a symbolic link', `Remove the link (rm ${path}) and run again: dstack then creates a private folder there.`);
  }
  if (!st.isDirectory()) throw refuse(what, path, 'is not a folder', `Move the file away (mv ${path} ${path}.old) and run again.`);
  const uid = myUid();
  if (uid === undefined) return;
  if (st.uid !== uid) {
    throw refuse(what, path, `belongs to user ${st.uid}, not to you (user ${uid})`, `Remove it as its owner, or point DSTACK_HOME at a folder of your own.`);
  }
  if ((st.mode & 0o077) !== 0) await chmod(path, PRIVATE_DIR_MODE);
}

/**
 * Makes DSTACK_HOME private: creates it 0700, and takes group and other
 * access away from an existing one (installs before this check made it
 * 0755). The home may be a link to a folder elsewhere, which is followed;
 * a home that belongs to another user (root pointed at someone's home) is
 * left as it is, since changing it would lock its owner out.
 */
export async function securePrivateHome(home: string): Promise<void> {
  let st = await statOrUndefined(home, true);
  if (!st) {
    await mkdir(home, { recursive: true, mode: PRIVATE_DIR_MODE });
    st = await stat(home);
  }
  const uid = myUid();
  if (uid === undefined || !st.isDirectory() || st.uid !== uid) return;
  if ((st.mode & 0o077) !== 0) await chmod(home, PRIVATE_DIR_MODE);
}
