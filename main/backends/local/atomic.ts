/**
 * Local storage's file writes: the crash-safe write of node/atomic-write.ts
 * with temporary names the listing skips, and cancellable range copies.
 */
import type { FileHandle } from 'node:fs/promises';
import type { TransferOptions } from '../../core/backend';
import { CancelledError } from '../../common/errors';
import type { PlaceFile } from '../../node/atomic-write';
import { writeAtomically as writeAtomicallyAt, writeFileAtomically as writeFileAtomicallyAt } from '../../node/atomic-write';
import { tempPathBeside } from './key-path';

const CHUNK = 1 << 20;

export type { PlaceFile };

/** The node-level atomic write, with temporary names that the local listing skips (see key-path.ts). */
export function writeAtomically(finalPath: string, fill: (h: FileHandle) => Promise<void>, place?: PlaceFile): Promise<void> {
  return writeAtomicallyAt(finalPath, fill, { tempPath: tempPathBeside, ...(place ? { place } : {}) });
}

export function writeFileAtomically(finalPath: string, body: Buffer | string, place?: PlaceFile): Promise<void> {
  return writeFileAtomicallyAt(finalPath, body, { tempPath: tempPathBeside, ...(place ? { place } : {}) });
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
