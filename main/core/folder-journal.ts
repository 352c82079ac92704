/**
 * The record of a folder copy in progress, for resuming it: the unfinished
 * folder (into-place.ts's `.partial`) as we created it (device and inode),
 * and each file finished in it (inode, size, mtime in ns). A resumed copy
 * keeps a file only when it is still the very file we wrote, unchanged
 * since: the same inode, size and mtime. A file replaced, truncated or
 * written into since (zeros included: a write moves the mtime) is fetched
 * again. A folder of that name we did not make is never used.
 *
 * It lives in the private staging folder (staging-area.ts), outside the
 * folder it describes, so no artifact name can collide with it.
 */
import { constants } from 'node:fs';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { O_NOFOLLOW, ownedByUs, privateDir } from './staging-area';

interface Record {
  version: 1;
  folder: string;
  dev: number;
  ino: number;
  /** rel path → [inode, size, mtime ns]. */
  files: { [rel: string]: [number, number, string] };
}

/** The journal is written at most this often while files complete. */
const SAVE_EVERY_MS = 1000;

export class FolderJournal {
  private saved = 0;
  private saving?: Promise<void>;

  private constructor(
    private readonly path: string,
    private readonly record: Record,
  ) {}

  /**
   * The journal of `folder`, which must exist. `undefined` when the folder
   * is not the one an earlier copy recorded (or none did) and `fresh` is
   * false: then the folder is not ours to resume into.
   */
  static async open(home: string, folder: string, fresh: boolean): Promise<FolderJournal | undefined> {
    const dir = join(home, 'staging');
    await privateDir(dir);
    const abs = resolve(folder);
    const path = join(dir, `${createHash('sha256').update(abs).digest('hex').slice(0, 40)}.folder.json`);
    const info = await lstat(abs);
    if (!info.isDirectory() || !ownedByUs(info.uid)) return undefined;
    const saved = await load(path);
    if (saved && saved.folder === abs && saved.dev === info.dev && saved.ino === info.ino) return new FolderJournal(path, saved);
    if (!fresh) return undefined;
    const j = new FolderJournal(path, { version: 1, folder: abs, dev: info.dev, ino: info.ino, files: {} });
    await j.write();
    return j;
  }

  /** Whether the file at `path` (`rel` in the folder) is one we finished and nobody changed since. */
  async isIntact(rel: string, path: string, size: number): Promise<boolean> {
    const want = this.record.files[rel];
    if (!want) return false;
    const info = await lstat(path, { bigint: true }).catch(() => undefined);
    return !!info?.isFile() && Number(info.ino) === want[0] && Number(info.size) === size && want[1] === size && info.mtimeNs.toString() === want[2];
  }

  /** Records a file just finished at `path`; written to disk at most once a second (and by `flush`). */
  async finished(rel: string, path: string): Promise<void> {
    const info = await lstat(path, { bigint: true });
    this.record.files[rel] = [Number(info.ino), Number(info.size), info.mtimeNs.toString()];
    if (Date.now() - this.saved >= SAVE_EVERY_MS) await this.flush();
  }

  /** Writes what is recorded now. */
  async flush(): Promise<void> {
    while (this.saving) await this.saving;
    this.saving = this.write().finally(() => (this.saving = undefined));
    await this.saving;
  }

  /** Forgets the folder: it is complete, or gone. */
  async remove(): Promise<void> {
    while (this.saving) await this.saving;
    await rm(this.path, { force: true });
  }

  private async write(): Promise<void> {
    this.saved = Date.now();
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(JSON.stringify(this.record));
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }
}

async function load(path: string): Promise<Record | undefined> {
  try {
    const r = JSON.parse(await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | O_NOFOLLOW })) as Partial<Record>;
    if (r.version !== 1 || typeof r.folder !== 'string' || typeof r.dev !== 'number' || typeof r.ino !== 'number' || typeof r.files !== 'object' || !r.files) return undefined;
    return r as Record;
  } catch {
    return undefined;
  }
}
