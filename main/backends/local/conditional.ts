/**
 * Conditional writes on plain files, with S3's answers: a create that finds
 * the key taken, or an update whose object changed since it was read, fails
 * with PreconditionFailedError and changes nothing. Several processes (the
 * CLI, the app, runners) write the same job records, so this must hold
 * across processes, not just within one.
 *
 * - Create (`ifNoneMatch: '*'`): `link()` of the finished temporary file to
 *   the final name, which the OS refuses atomically when the name exists.
 * - Update (`ifMatch`): a short per-key lock file (exclusive create), under
 *   which the current content is compared and the new file renamed into
 *   place. No lock library fits: proper-lockfile is only a build-tool
 *   dependency here, and a lock must not need a timer that keeps a CLI alive.
 *   A lock whose holder died (its pid is gone, or it is older than
 *   {@link STALE_LOCK_MS}) is broken, so a crash never blocks a job forever.
 *
 * The etag is a hash of the content: a stat-based etag (size and mtime) can
 * repeat for two quick writes of the same size within one clock tick, and a
 * false match would lose a write. Equal content may match, as on S3.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { VersionedObject } from '../../core/backend';
import { PreconditionFailedError } from '../../core/backend';
import { DstackError } from '../../common/errors';
import type { PlaceFile } from './atomic';
import { TEMP_PREFIX, tempPathBeside } from './key-path';

/** A lock older than this is a crashed writer's: the compare and rename it guards take milliseconds. */
export const STALE_LOCK_MS = 30_000;
/** How long a writer waits for a lock before giving up with a message naming it. */
const LOCK_WAIT_MS = 2 * STALE_LOCK_MS;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export function etagOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 32);
}

/** The object at `path` with its content etag; undefined when there is none. */
export async function readVersioned(path: string): Promise<VersionedObject | undefined> {
  try {
    const body = await readFile(path);
    return { body, etag: etagOf(body) };
  } catch (err) {
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errno(err) ?? '')) return undefined;
    throw err;
  }
}

/** Places the file only if nothing has the name yet. */
export function placeIfAbsent(key: string): PlaceFile {
  return async (tmp, finalPath) => {
    try {
      await link(tmp, finalPath);
    } catch (err) {
      if (errno(err) === 'EEXIST') throw new PreconditionFailedError(key, `"${key}" already exists.`);
      throw err;
    }
    await unlink(tmp);
  };
}

/** Places the file only if the current one still has `etag`, under the key's lock. */
export function placeIfMatch(key: string, etag: string): PlaceFile {
  return async (tmp, finalPath) => {
    const release = await lock(finalPath, key);
    try {
      const current = await readVersioned(finalPath);
      if (!current) throw new PreconditionFailedError(key, `"${key}" was deleted by another writer.`);
      if (current.etag !== etag) throw new PreconditionFailedError(key);
      await rename(tmp, finalPath);
    } finally {
      await release();
    }
  };
}

/** The lock file of `path`: a temporary name, so listings never show it and the stale-temp sweep removes leftovers. */
export function lockPathOf(path: string): string {
  const id = createHash('sha256').update(basename(path)).digest('hex').slice(0, 24);
  return join(dirname(path), `${TEMP_PREFIX}lock-${id}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the lock of `path`, waiting for its holder; returns the release. */
async function lock(path: string, key: string): Promise<() => Promise<void>> {
  const file = lockPathOf(path);
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const h = await open(file, 'wx', 0o600);
      try {
        await h.writeFile(mine);
      } catch (writeErr) {
        // An empty lock (a full disk takes the name but not the content) names no holder: every later writer would wait for it to go stale.
        await rm(file, { force: true });
        throw writeErr;
      } finally {
        await h.close();
      }
      return async () => {
        // Only our own lock: a lock broken as stale may since be someone else's.
        if ((await readFile(file, 'utf8').catch(() => '')) === mine) await rm(file, { force: true });
      };
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    await breakIfStale(file);
    if (Date.now() > deadline) {
      throw new DstackError('unavailable', `Another writer has held the lock on "${key}" for over ${LOCK_WAIT_MS / 1000} s.`, {
        fix: `If no dstack process is running, delete ${file}.`,
      });
    }
    await sleep(Math.random() * Math.min(50, 2 ** attempt));
  }
}

function holderIsGone(content: string): boolean {
  const pid = Number(content.split(' ')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return errno(err) === 'ESRCH';
  }
}

/**
 * Removes the lock if its holder died. The lock is first renamed aside and
 * checked to be the one judged stale, so two writers breaking it at once
 * cannot remove a fresh lock that a third took in between.
 */
async function breakIfStale(file: string): Promise<void> {
  let content: string;
  let age: number;
  try {
    [content, age] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => Date.now() - s.mtimeMs)]);
  } catch {
    return; // Released meanwhile.
  }
  if (age < STALE_LOCK_MS && !holderIsGone(content)) return;
  const aside = tempPathBeside(dirname(file));
  try {
    await rename(file, aside);
  } catch {
    return; // Someone else broke or released it.
  }
  if ((await readFile(aside, 'utf8').catch(() => '')) !== content) {
    // A fresh lock taken after another writer broke the stale one: give it back.
    await link(aside, file).catch(() => undefined);
  }
  await rm(aside, { force: true });
}
