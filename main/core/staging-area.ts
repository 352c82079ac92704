/**
 * Where downloads keep their unfinished bytes: a private folder (0700, made
 * by us, owned by us) that no artifact name can reach.
 *
 * Why here and not `X.part` beside the target: an artifact folder may hold
 * any name, `p1.part` included, so a partial beside its target shares the
 * artifacts' namespace; two files then fight over one path, and a download
 * can resume from a file it never wrote. The partial has to be renamed onto
 * the target at the end, and rename only works within one file system, so
 * the staging folder must sit on the target's file system:
 * - `{DSTACK_HOME}/staging` when the target is on the same device (the
 *   usual case, and always for the drag cache), which is outside every
 *   folder we download into;
 * - otherwise a folder made with mkdtemp (a fresh name, 0700, never an
 *   existing one) in the first target folder on that device. It is recorded
 *   as ours in `{DSTACK_HOME}/staging/areas/` by path, device and inode, so
 *   a later call only reuses the very folder it made, never a same-named one
 *   that arrived as an artifact; it is removed again once empty.
 */
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DstackError } from '../common/errors';

/** 0 where the platform has no O_NOFOLLOW (Windows, which has no such symlinks either). */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const FOREIGN_PREFIX = '.dstack-staging-';
/** Partial downloads nobody resumed for this long are removed. */
const STALE_MS = 14 * 24 * 3600_000;

interface AreaRecord {
  path: string;
  ino: number;
}

/** One staging folder, shared by every download into the same file system. */
export interface StagingArea {
  dir: string;
  /** Releases this download's hold; a foreign folder is removed when its last download is done. */
  release(): Promise<void>;
}

const checked = new Set<string>();
const foreignUsers = new Map<string, number>();
const foreignLookups = new Map<string, Promise<string>>();

/** The private staging folder on the file system of `destDir` (which must exist). */
export async function stagingArea(home: string, destDir: string): Promise<StagingArea> {
  const own = join(home, 'staging');
  // Checked once per process (a tree writes thousands of files); made again if it was removed since.
  let h = checked.has(own) ? await stat(own).catch(() => undefined) : undefined;
  if (!h) {
    await privateDir(own);
    checked.add(own);
    await sweepStale(own);
    h = await stat(own);
  }
  const d = await stat(destDir);
  if (h.dev === d.dev) return { dir: own, release: async () => undefined };
  const key = String(d.dev);
  let lookup = foreignLookups.get(key);
  if (!lookup) {
    lookup = foreignArea(own, destDir, d.dev);
    foreignLookups.set(key, lookup);
  }
  const dir = await lookup.catch((err: unknown) => {
    foreignLookups.delete(key);
    throw err;
  });
  foreignUsers.set(dir, (foreignUsers.get(dir) ?? 0) + 1);
  return {
    dir,
    release: async () => {
      const left = (foreignUsers.get(dir) ?? 1) - 1;
      if (left > 0) return void foreignUsers.set(dir, left);
      foreignUsers.delete(dir);
      foreignLookups.delete(key);
      // Fails while another process still stages files there: then it stays for that one.
      await rmdir(dir).catch(() => undefined);
    },
  };
}

/**
 * Removes partial files and journals untouched for STALE_MS: downloads
 * that were never asked for again. Once per process, when the folder is
 * first used; a download under way touches its files far more often.
 */
async function sweepStale(dir: string): Promise<void> {
  const before = Date.now() - STALE_MS;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!/\.(part|json|tmp)$/.test(name)) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < before) await rm(join(dir, name), { force: true });
  }
}

/** Makes (or checks) a folder only this user can enter; refuses one that is a symlink or someone else's. */
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (!info.isDirectory() || !ownedByUs(info.uid)) {
    throw new DstackError('permission', `${dir} is not a folder of yours, so downloads cannot keep their partial files there.`, {
      fix: `Remove ${dir} (it holds only unfinished downloads) and try again.`,
    });
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

export function ownedByUs(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid();
}

async function foreignArea(own: string, destDir: string, dev: number): Promise<string> {
  const records = join(own, 'areas');
  await privateDir(records);
  const recordPath = join(records, `${dev}.json`);
  const known = await readRecord(recordPath);
  if (known) {
    const info = await lstat(known.path).catch(() => undefined);
    if (info?.isDirectory() && info.dev === dev && info.ino === known.ino && ownedByUs(info.uid) && (info.mode & 0o777) === 0o700) return known.path;
  }
  const dir = await mkdtemp(join(destDir, FOREIGN_PREFIX));
  const info = await lstat(dir);
  const tmp = `${recordPath}.${process.pid}.tmp`;
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(JSON.stringify({ path: dir, ino: info.ino } satisfies AreaRecord));
  } finally {
    await fh.close();
  }
  await rename(tmp, recordPath);
  return dir;
}

async function readRecord(path: string): Promise<AreaRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | O_NOFOLLOW })) as Partial<AreaRecord>;
    return typeof r.path === 'string' && typeof r.ino === 'number' ? { path: r.path, ino: r.ino } : undefined;
  } catch {
    return undefined;
  }
}
