/**
 * Copies a local object to a path outside the store, through a staged
 * partial (core/staged-file.ts): part by part, each part's CRC-32 taken from
 * the bytes as they are copied and kept in the journal, so an interrupted
 * copy resumes only from parts that still hash as they did, and only into
 * a file this code made.
 */
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TransferOptions } from '../../core/backend';
import { CancelledError, DstackError, NotFoundError } from '../../common/errors';
import type { StagedSource } from '../../core/staged-file';
import { partHasher, StagedFile } from '../../core/staged-file';

/** Bytes per part: what a resume may redo, and what one journal entry covers. */
export const LOCAL_PART_SIZE = 8 * 1024 * 1024;
const CHUNK = 1024 * 1024;
/** The journal is saved at most this often while copying (each save syncs the data first). */
const SAVE_EVERY_MS = 1000;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** The store's version tag for an object, as listing.ts computes it. */
function versionOf(info: BigIntStats): string {
  return `${info.size.toString(16)}-${info.mtimeNs.toString(16)}`;
}

/** Copies the object at `objectPath` (key `key`) to `localPath`; `home` holds the staging folder. */
export async function downloadLocalObject(home: string, key: string, objectPath: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
  const src = await open(objectPath, 'r').catch((err: unknown) => {
    if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errno(err) ?? '')) throw new NotFoundError(`The object "${key}" does not exist.`);
    throw err;
  });
  try {
    const info = await src.stat({ bigint: true });
    // Opening a folder succeeds on POSIX; a key that is only a folder of other keys is no object.
    if (!info.isFile()) throw new NotFoundError(`The object "${key}" does not exist.`);
    await mkdir(dirname(localPath), { recursive: true });
    const source: StagedSource = { key, size: Number(info.size), etag: versionOf(info), partSize: LOCAL_PART_SIZE, partHash: 'crc32' };
    const staged = await StagedFile.begin(home, localPath, source, { signal: opts.signal });
    try {
      await copyParts(src, staged, source, opts);
      // Every write is a rename of a fresh file, so an object rewritten meanwhile has a new tag.
      if (versionOf(await src.stat({ bigint: true })) !== source.etag) {
        throw new DstackError('conflict', `The object "${key}" changed while it was being copied.`, { fix: 'Copy it again.' });
      }
    } catch (err) {
      if (err instanceof CancelledError) {
        await staged.save().catch(() => undefined);
        await staged.keep();
      } else {
        await staged.discard();
      }
      throw err;
    }
    await staged.commit(localPath);
  } finally {
    await src.close();
  }
}

/** Copies every part not reused from an earlier call, fingerprinting each as it goes. */
async function copyParts(src: FileHandle, staged: StagedFile, source: StagedSource, opts: TransferOptions): Promise<void> {
  const { size, partSize } = source;
  const count = Math.ceil(size / partSize);
  const partLen = (i: number) => Math.min(partSize, size - i * partSize);
  let bytes = [...staged.reused.keys()].reduce((n, i) => n + partLen(i), 0);
  opts.onProgress?.({ bytes, total: size });
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let saved = Date.now();
  for (let i = 0; i < count; i++) {
    if (staged.reused.has(i)) continue;
    const hash = partHasher(source.partHash);
    const start = i * partSize;
    const end = start + partLen(i);
    for (let pos = start; pos < end; ) {
      if (opts.signal?.aborted) throw new CancelledError('The transfer was cancelled.');
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) {
        throw new DstackError('conflict', `The object "${source.key}" got shorter while it was being copied.`, { fix: 'Copy it again.' });
      }
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      await writeAll(staged.fh, chunk, pos);
      pos += bytesRead;
      bytes += bytesRead;
      opts.onProgress?.({ bytes, total: size });
    }
    staged.partDone(i, hash.digest());
    if (Date.now() - saved >= SAVE_EVERY_MS) {
      await staged.save();
      saved = Date.now();
    }
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer, pos: number): Promise<void> {
  for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off, pos + off)).bytesWritten;
}
