/**
 * Crash-safe file writes, for every file we own that must never be seen half
 * written (local storage objects, pid files, app state, config.yaml). A file
 * is written under a temporary name in the folder it will end up in, flushed
 * to disk, then renamed over its final name, and the folder is flushed. A
 * rename within one folder is atomic, so a reader (or a crash) sees either
 * the whole previous file or the whole new one, never a mix.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-dir';

/**
 * Flushes a folder's entry list, so a rename survives a power cut. Windows
 * cannot open folders, and there a rename is already durable enough.
 */
export async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // Not supported on this platform: the rename itself is still atomic.
  } finally {
    await h?.close();
  }
}

/**
 * Moves a finished temporary file to its final name. The default replaces
 * whatever is there; conditional writes pass their own (an exclusive link,
 * or a rename under a lock after a compare).
 */
export type PlaceFile = (tmp: string, finalPath: string) => Promise<void>;

export interface AtomicWriteOptions {
  place?: PlaceFile;
  /** The temporary file's path in `dir`; local storage uses names its listing skips. */
  tempPath?: (dir: string) => string;
}

const replace: PlaceFile = (tmp, finalPath) => rename(tmp, finalPath);

/**
 * Creates a private temporary file beside `finalPath`, lets `fill` write it,
 * flushes it and `place`s it (by default: renames it over `finalPath`). On
 * any failure the temporary file is removed and whatever was at `finalPath`
 * before stays as it was.
 */
export async function writeAtomically(finalPath: string, fill: (h: FileHandle) => Promise<void>, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(finalPath);
  const tempPath = opts.tempPath ?? ((d: string) => join(d, `.${basename(finalPath)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`));
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = tempPath(dir);
  let h: FileHandle;
  try {
    h = await open(tmp, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    // A concurrent delete may have pruned the folder between mkdir and open.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    h = await open(tmp, 'wx', PRIVATE_FILE_MODE);
  }
  try {
    try {
      await fill(h);
      await h.sync();
    } finally {
      await h.close();
    }
    await (opts.place ?? replace)(tmp, finalPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** {@link writeAtomically} for a body already in memory. */
export async function writeFileAtomically(finalPath: string, body: Buffer | string, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeAtomically(finalPath, (h) => h.writeFile(body), opts);
}
