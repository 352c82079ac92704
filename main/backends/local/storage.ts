/**
 * The local backend's object store: one file per key under
 * `{home}/local/storage/`, with S3's semantics where the core relies on
 * them (atomic whole-object writes, byte-ordered paginated listing, common
 * prefixes, missing keys ignored on delete).
 *
 * etag choice: size and nanosecond mtime (`{size hex}-{mtimeNs hex}`), not a
 * content hash. Every write is a rename of a fresh file, so any change moves
 * the mtime; and a listing of 1,000 objects stays 1,000 stats instead of
 * reading every byte. It is stable for as long as the object is unchanged,
 * which is all a resumed download or a cache check needs.
 */
import { open, readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ListOptions, ListPage, ObjectInfo, PutCondition, Storage, TransferOptions, VersionedObject } from '../../core/backend';
import { DstackError, InvalidArgumentError, NotFoundError } from '../../common/errors';
import { diskFullError, isDiskFull } from '../../node/disk-full';
import { copyRange, writeAtomically, writeFileAtomically } from './atomic';
import { placeIfAbsent, placeIfMatch, readVersioned } from './conditional';
import { keyToPath, splitPrefix } from './key-path';
import { downloadLocalObject } from './download';
import { FolderCache } from './folder-cache';
import { objectInfo, staleTempFiles, walk } from './listing';

export const MAX_PAGE = 1000;

interface Token {
  after: string;
  prefix: boolean;
  /** When the listing's first page began (ms): folder reads since then may serve its later pages. */
  since?: number;
}

function encodeToken(t: Token): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(token: string): Token {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString()) as Partial<Token>;
    if (typeof t.after === 'string' && typeof t.prefix === 'boolean') {
      return { after: t.after, prefix: t.prefix, ...(typeof t.since === 'number' ? { since: t.since } : {}) };
    }
  } catch {
    // Reported below.
  }
  throw new InvalidArgumentError('The listing token is not one this storage returned.', 'Start the listing again without a token.');
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** A key that is also a folder of other keys, or lies under a key that is a file. */
function conflict(key: string, cause: unknown): DstackError {
  return new DstackError('conflict', `Cannot store "${key}": local storage cannot hold a key that is also the folder of other keys.`, {
    fix: 'Rename the object or the folder so that neither key is a prefix of the other followed by "/".',
    cause,
  });
}

export class LocalStorage implements Storage {
  /** Sorted reads of large folders, so a listing reads its folder once, not once per page (folder-cache.ts). */
  private readonly folders = new FolderCache();

  /**
   * @param root the folder that holds the objects, `{home}/local/storage`.
   * @param stagingHome where downloads keep partial files (`{stagingHome}/staging`): DSTACK_HOME; by default the folder above `root`.
   */
  constructor(
    readonly root: string,
    private readonly stagingHome = dirname(root),
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(keyToPath(this.root, key));
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errno(err) ?? '')) return undefined;
      throw err;
    }
  }

  getWithEtag(key: string): Promise<VersionedObject | undefined> {
    return readVersioned(keyToPath(this.root, key));
  }

  async put(key: string, body: Buffer | string, condition?: PutCondition): Promise<void> {
    const path = keyToPath(this.root, key);
    const place = !condition ? undefined : 'ifMatch' in condition ? placeIfMatch(key, condition.ifMatch) : placeIfAbsent(key);
    try {
      await writeFileAtomically(path, body, place);
    } catch (err) {
      throw this.mapWriteError(key, err);
    }
  }

  locate(key: string): string {
    return keyToPath(this.root, key);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return objectInfo(key, keyToPath(this.root, key));
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const path = keyToPath(this.root, key);
      try {
        await unlink(path);
      } catch (err) {
        if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errno(err) ?? '')) continue;
        throw err;
      }
      await this.pruneEmptyDirs(dirname(path));
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    const limit = Math.min(Math.max(Math.floor(opts.limit ?? MAX_PAGE), 1), MAX_PAGE);
    const delimiter = opts.delimiter || undefined;
    const token = opts.token ? decodeToken(opts.token) : undefined;
    const since = token?.since ?? Date.now();
    // An object's folder and name, joined only for the objects a page stats (no closure per key: a listing walks 10,000s).
    const items: (Token & { dir?: string; name?: string })[] = [];
    let next: string | undefined;
    let from = { after: token?.after, afterIsPrefix: token?.prefix, since: token?.since };
    // A walk starts again past each common prefix a delimiter makes, so a prefix of 10,000 keys costs one search, not 10,000 steps.
    for (let walking = true; walking; ) {
      walking = false;
      for await (const e of walk(this.root, prefix, { folders: delimiter === '/', ...from, cache: this.folders })) {
        const cut = e.kind === 'object' && delimiter ? e.key.indexOf(delimiter, prefix.length) : -1;
        const item: Token & { dir?: string; name?: string } =
          e.kind === 'prefix' ? { after: e.key, prefix: true }
          : cut >= 0 ? { after: e.key.slice(0, cut + delimiter!.length), prefix: true }
          : { after: e.key, prefix: false, dir: e.dir, name: e.name };
        // Keys under one common prefix are contiguous, so one comparison with the last item dedupes them.
        const last = items.at(-1);
        if (last?.prefix && item.after.startsWith(last.after)) continue;
        if (items.length === limit) {
          next = encodeToken({ after: last!.after, prefix: last!.prefix, since });
          break;
        }
        items.push(item);
        if (cut >= 0) {
          // Within this call, the folder just read serves the rest unchecked.
          from = { after: item.after, afterIsPrefix: true, since };
          walking = true;
          break;
        }
      }
    }
    // One stat per object, all at once: sequential stats dominate a 1,000-key page. Keys only: none.
    const infos = opts.keysOnly
      ? items.map((i): ObjectInfo | undefined => (i.prefix ? undefined : { key: i.after, size: 0, modified: 0 }))
      : await Promise.all(items.map((i) => (i.prefix ? undefined : objectInfo(i.after, join(i.dir!, i.name!)))));
    const page: ListPage = { objects: [], prefixes: [] };
    items.forEach((item, n) => {
      if (item.prefix) page.prefixes.push(item.after);
      // Deleted between readdir and stat: it is simply not in this page.
      else if (infos[n]) page.objects.push(infos[n]);
    });
    if (next) page.next = next;
    return page;
  }

  /** See {@link Storage.version}: for a prefix that names a folder of files only, read lately and unchanged since. */
  async version(prefix: string): Promise<string | undefined> {
    if (!prefix.endsWith('/')) return undefined;
    return this.folders.version(splitPrefix(this.root, prefix).dir);
  }

  async uploadFile(localPath: string, key: string, opts: TransferOptions = {}): Promise<void> {
    const path = keyToPath(this.root, key);
    const src = await open(localPath, 'r').catch((err: unknown) => {
      if (errno(err) === 'ENOENT') throw new NotFoundError(`Cannot upload ${localPath}: the file does not exist.`);
      throw err;
    });
    try {
      const total = (await src.stat()).size;
      await writeAtomically(path, async (dst) => {
        await copyRange(src, dst, 0, total, opts);
      });
    } catch (err) {
      throw this.mapWriteError(key, err);
    } finally {
      await src.close();
    }
  }

  /**
   * Copies an object to `localPath` through a staged partial in a private
   * folder (download.ts), resumed only from parts that still hash as
   * recorded, and renamed into place once whole.
   */
  downloadFile(key: string, localPath: string, opts: TransferOptions = {}): Promise<void> {
    return downloadLocalObject(this.stagingHome, key, keyToPath(this.root, key), localPath, opts);
  }

  /**
   * Deletes temporary files that a crashed writer left behind. They are never
   * listed, only wasted space; `maxAgeMs` keeps writes still in progress.
   * Returns how many were removed.
   */
  async removeStaleTemp(maxAgeMs = 60 * 60 * 1000): Promise<number> {
    let removed = 0;
    for await (const path of staleTempFiles(this.root, Date.now() - maxAgeMs)) {
      await rm(path, { force: true });
      await this.pruneEmptyDirs(dirname(path));
      removed++;
    }
    return removed;
  }

  private mapWriteError(key: string, err: unknown): unknown {
    if (isDiskFull(err)) return diskFullError(this.root, err);
    return ['EISDIR', 'ENOTDIR', 'EEXIST', 'ENOTEMPTY'].includes(errno(err) ?? '') ? conflict(key, err) : err;
  }

  /** Removes folders a delete left empty, up to (not including) the root. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.length > this.root.length && dir.startsWith(this.root)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }
}
