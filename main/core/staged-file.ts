/**
 * One download's partial file and its journal, in a private staging folder
 * (staging-area.ts). Every backend's downloadFile goes through here, so
 * `dstack cp`, the app's downloads, the drag cache and the server's zip
 * (which zips what those fetched) resume and verify the same way.
 *
 * The journal records what we created and what we wrote: the target, the
 * source's identity (key, size, ETag), the partial's device and inode, and
 * a fingerprint (MD5 or CRC-32) of each part once it is complete, hashed
 * from the bytes as they arrived. A later call resumes only from that very file (opened without
 * following symlinks, same device and inode, ours), and re-hashes each part
 * it reuses: a part whose bytes no longer match is fetched again, never
 * trusted. Anything else is removed and the download starts over.
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { copyFile, open, readFile, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { CancelledError } from '../common/errors';
import type { StagingArea } from './staging-area';
import { O_NOFOLLOW, ownedByUs, stagingArea } from './staging-area';

/**
 * How each part is fingerprinted in the journal. MD5 where the part MD5s
 * also make up the object's ETag (S3 multipart); otherwise CRC-32, which
 * catches a damaged part as surely and costs a tenth of the CPU, so a
 * download whose whole MD5 is checked anyway does not hash twice.
 */
export type PartHash = 'md5' | 'crc32';

/** What the partial is a copy of; a resume needs all of it unchanged. */
export interface StagedSource {
  key: string;
  size: number;
  /** The object's version: S3's ETag, or local storage's size-and-mtime tag. */
  etag: string;
  partSize: number;
  partHash: PartHash;
}

interface Journal {
  version: 2;
  dest: string;
  source: StagedSource;
  dev: number;
  ino: number;
  /** Fingerprint (hex, see PartHash) of each complete part, by index. */
  parts: Record<string, string>;
}

const READ_CHUNK = 1024 * 1024;

/** The journal's and the partial's paths for `dest`: named by a hash of the target, so a retry finds them. */
export function stagedPaths(areaDir: string, dest: string): { part: string; journal: string } {
  const id = createHash('sha256').update(resolve(dest)).digest('hex').slice(0, 40);
  return { part: join(areaDir, `${id}.part`), journal: join(areaDir, `${id}.json`) };
}

export class StagedFile {
  private constructor(
    readonly fh: FileHandle,
    private readonly area: StagingArea,
    private readonly paths: { part: string; journal: string },
    private readonly journal: Journal,
    /** Parts resumed from an earlier call, re-hashed and found intact, with their fingerprints. */
    readonly reused: ReadonlyMap<number, string>,
  ) {}

  /**
   * Opens the partial for `dest` (whose folder must exist), resuming an
   * earlier one only when it is ours and of this same source. The file is
   * `source.size` bytes long; parts are written at their offsets. A file
   * that is not `resumable` (one fetched in a single request) keeps no
   * journal: there is nothing to resume, and no sync to pay for it.
   */
  static async begin(home: string, dest: string, source: StagedSource, opts: { signal?: AbortSignal; resumable?: boolean } = {}): Promise<StagedFile> {
    const resumable = opts.resumable ?? true;
    const area = await stagingArea(home, dirname(dest));
    try {
      const paths = stagedPaths(area.dir, dest);
      const resumed = resumable ? await resume(paths, resolve(dest), source, opts.signal) : undefined;
      if (resumed) return new StagedFile(resumed.fh, area, paths, resumed.journal, resumed.reused);
      await rm(paths.journal, { force: true });
      // rm removes a symlink itself, never what it points to.
      await rm(paths.part, { force: true });
      const fh = await open(paths.part, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
      try {
        await fh.truncate(source.size);
        const info = await fh.stat();
        const journal: Journal = { version: 2, dest: resolve(dest), source, dev: info.dev, ino: info.ino, parts: {} };
        const staged = new StagedFile(fh, area, paths, journal, new Map());
        if (resumable) await staged.save();
        return staged;
      } catch (err) {
        await fh.close();
        throw err;
      }
    } catch (err) {
      await area.release();
      throw err;
    }
  }

  /** Records part `i`'s fingerprint once its bytes are written; `save` makes it durable. */
  partDone(i: number, digest: string): void {
    this.journal.parts[String(i)] = digest;
  }

  /** Syncs the data, then the journal that claims it, so the journal never points at bytes that did not reach the disk. */
  async save(): Promise<void> {
    await this.fh.datasync();
    const tmp = `${this.paths.journal}.tmp`;
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(JSON.stringify(this.journal));
    } finally {
      await fh.close();
    }
    await rename(tmp, this.paths.journal);
  }

  /** Syncs the verified file and moves it onto `dest`; if that fails, the partial is removed, not left behind. */
  async commit(dest: string): Promise<void> {
    try {
      try {
        await this.fh.sync();
      } finally {
        await this.fh.close();
      }
      await moveInto(this.paths.part, dest);
    } catch (err) {
      await rm(this.paths.part, { force: true });
      throw err;
    } finally {
      await rm(this.paths.journal, { force: true });
      await this.area.release();
    }
  }

  /** Removes the partial and its journal: what it holds is wrong or no longer wanted. */
  async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.paths.part, { force: true });
    await rm(this.paths.journal, { force: true });
    await this.area.release();
  }

  /** Keeps the partial and its journal for a later call to resume. */
  async keep(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await this.area.release();
  }
}

/** The earlier partial, when it is ours and of this source, with the parts that still hash as recorded. */
async function resume(
  paths: { part: string; journal: string },
  dest: string,
  source: StagedSource,
  signal?: AbortSignal,
): Promise<{ fh: FileHandle; journal: Journal; reused: Map<number, string> } | undefined> {
  const journal = await readJournal(paths.journal);
  const s = journal?.source;
  const same = s && s.key === source.key && s.size === source.size && s.etag === source.etag && s.partSize === source.partSize && s.partHash === source.partHash;
  if (!journal || journal.dest !== dest || !same) {
    return undefined;
  }
  const fh = await open(paths.part, constants.O_RDWR | O_NOFOLLOW).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const info = await fh.stat();
    if (!info.isFile() || info.dev !== journal.dev || info.ino !== journal.ino || !ownedByUs(info.uid) || info.size !== source.size) {
      await fh.close();
      return undefined;
    }
    const reused = new Map<number, string>();
    const parts: Record<string, string> = {};
    for (const [k, md5] of Object.entries(journal.parts)) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i * source.partSize >= source.size) continue;
      signal?.throwIfAborted();
      if ((await hashRange(fh, source.partHash, i * source.partSize, Math.min(source.partSize, source.size - i * source.partSize))) !== md5) continue;
      reused.set(i, md5);
      parts[k] = md5;
    }
    return { fh, journal: { ...journal, parts }, reused };
  } catch (err) {
    await fh.close();
    if (signal?.aborted) throw new CancelledError();
    throw err;
  }
}

async function readJournal(path: string): Promise<Journal | undefined> {
  try {
    const j = JSON.parse(await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | O_NOFOLLOW })) as Partial<Journal>;
    if (j.version !== 2 || typeof j.dev !== 'number' || typeof j.ino !== 'number' || typeof j.parts !== 'object' || !j.parts) return undefined;
    return j as Journal;
  } catch {
    return undefined;
  }
}

/** An incremental part fingerprint, as hex. */
export function partHasher(kind: PartHash): { update(chunk: Buffer): void; digest(): string } {
  if (kind === 'md5') {
    const h = createHash('md5');
    return { update: (c) => void h.update(c), digest: () => h.digest('hex') };
  }
  let crc = 0;
  return { update: (c) => void (crc = crc32(c, crc)), digest: () => crc.toString(16).padStart(8, '0') };
}

/** The fingerprint of `len` bytes at `pos`, read back: only for parts being reused. */
async function hashRange(fh: FileHandle, kind: PartHash, pos: number, len: number): Promise<string> {
  const hash = partHasher(kind);
  const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, len));
  for (let off = 0; off < len; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, len - off), pos + off);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    off += bytesRead;
  }
  return hash.digest();
}

/**
 * Renames the verified file onto `dest`. Two mounts of one file system
 * share a device number but refuse a rename between them (EXDEV): then
 * the file is copied beside `dest` under a fresh name, never an existing
 * one, and renamed from there.
 */
async function moveInto(part: string, dest: string): Promise<void> {
  try {
    await rename(part, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = join(dirname(dest), `.dstack-move-${process.pid}-${Date.now().toString(36)}`);
    await copyFile(part, tmp, constants.COPYFILE_EXCL);
    try {
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await rm(part, { force: true });
  }
}

