/**
 * Crash-safe file writes. A file is written under a temporary name in the
 * folder it will end up in, flushed to disk, then renamed over its final
 * name. A rename within one folder is atomic, so a reader (or a crash) sees
 * either the whole previous file or the whole new one, never a mix.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TransferOptions } from '../../core/backend';
import { CancelledError } from '../../common/errors';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../node/private-dir';
import { tempPathBeside } from './key-path';

const CHUNK = 1 << 20;

/**
 * Flushes a folder's entry list, so a rename survives a power cut. Windows
 * cannot open folders, and there a rename is already durable enough.
 */
async function syncDir(dir: string): Promise<void> {
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

const replace: PlaceFile = (tmp, finalPath) => rename(tmp, finalPath);

/**
 * Creates a temporary file beside `finalPath`, lets `fill` write it, flushes
 * it and `place`s it (by default: renames it over `finalPath`). On any
 * failure the temporary file is removed and whatever was at `finalPath`
 * before stays as it was.
 */
export async function writeAtomically(finalPath: string, fill: (h: FileHandle) => Promise<void>, place: PlaceFile = replace): Promise<void> {
  const dir = dirname(finalPath);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = tempPathBeside(dir);
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
    await place(tmp, finalPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

export async function writeFileAtomically(finalPath: string, body: Buffer | string, place: PlaceFile = replace): Promise<void> {
  await writeAtomically(
    finalPath,
    async (h) => {
      await h.writeFile(body);
    },
    place,
  );
}

/**
 * Copies `src` from byte `start` to the end of `dst`, reporting progress and
 * stopping with a CancelledError as soon as `signal` fires. Chunked rather
 * than streamed through pipes so that abort is checked between chunks.
 */
export async function copyRange(
  src: FileHandle,
  dst: FileHandle,
  start: number,
  total: number,
  opts: TransferOptions = {},
): Promise<number> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = start;
  opts.onProgress?.({ bytes: pos, total });
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError('The transfer was cancelled.');
    const { bytesRead } = await src.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) break;
    await dst.write(buf, 0, bytesRead);
    pos += bytesRead;
    opts.onProgress?.({ bytes: pos, total });
  }
  return pos;
}
