/**
 * The drag cache, `{DSTACK_HOME}/app/drag-cache/`. Electron's `startDrag`
 * can only drag a file or folder that already exists, so artifacts are
 * fetched here first; each one lives at `{itemId}/{name}` so the dropped
 * item keeps its name. A file arrives through the storage's downloadFile
 * (staged privately, verified, renamed into place); a folder fills `{name}.partial/`
 * file by file and is renamed to `{name}` only once every file is in, so a
 * folder at its final path is always complete and a cancelled fill resumes
 * from its `.partial`. Only paths inside this folder are ever handed to
 * `startDrag`: {@link DragCache.resolveCachedPath} refuses anything that
 * resolves elsewhere (symlinks included). The cache is swept by age and
 * total size, least recently used first (a fill or a drag counts as a use),
 * and Settings can clear it.
 */
import { lstat, mkdir, readdir, realpath, rm, stat, utimes } from 'node:fs/promises';
import { join, relative, sep, isAbsolute } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../common/errors';
import type { KeptFiles } from '../core/tree-transfer';
import { intoPlace } from './into-place';

export interface SweepLimits {
  maxAgeMs: number;
  maxBytes: number;
}

export const DEFAULT_SWEEP: SweepLimits = { maxAgeMs: 7 * 24 * 3600_000, maxBytes: 2 * 1024 ** 3 };

/** The limits, with the size cap from DSTACK_DRAG_CACHE_MAX_MB when it is a positive number. */
export function sweepLimitsFrom(env: NodeJS.ProcessEnv = process.env): SweepLimits {
  const mb = Number(env.DSTACK_DRAG_CACHE_MAX_MB);
  return Number.isFinite(mb) && mb > 0 ? { ...DEFAULT_SWEEP, maxBytes: Math.round(mb * 1024 ** 2) } : DEFAULT_SWEEP;
}

const ITEM_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A file name safe to create inside the cache: no separators, not `.`/`..`. */
function safeName(name: string): string {
  const clean = name.replace(/[\\/:*?"<>|\0]/g, '_');
  return clean && clean !== '.' && clean !== '..' ? clean : 'artifact';
}

export class DragCache {
  /** Entries being filled right now; the sweep leaves them alone. */
  private readonly busy = new Set<string>();

  /**
   * @param home DSTACK_HOME, where folder fills record what they finished (core/folder-journal.ts).
   * @param limits the age and size caps every sweep applies.
   */
  constructor(
    readonly dir: string,
    private readonly home: string,
    readonly limits: SweepLimits = DEFAULT_SWEEP,
  ) {}

  /** Where an item's cached copy goes (it may not exist yet). */
  pathFor(itemId: string, name: string): string {
    if (!ITEM_ID.test(itemId)) throw new InvalidArgumentError(`Invalid item id "${itemId}".`);
    return join(this.dir, itemId, safeName(name));
  }

  /** Whether the item's complete copy is here: a file for a file item, a folder for a folder item. */
  async isCached(itemId: string, name: string, isDir = false): Promise<boolean> {
    const info = await stat(this.pathFor(itemId, name)).catch(() => undefined);
    return (isDir ? info?.isDirectory() : info?.isFile()) ?? false;
  }

  /**
   * Fills an entry: `fill` writes a file item straight to its path (the
   * storage's downloadFile is atomic itself) and a folder item into a
   * `.partial` folder that is renamed into place when `fill` succeeds. The
   * entry is marked busy meanwhile, then touched so the sweep counts its age
   * from now.
   */
  async fill<T>(itemId: string, name: string, fill: (target: string, keep?: KeptFiles) => Promise<T>, isDir = false): Promise<T> {
    const target = this.pathFor(itemId, name);
    await mkdir(join(this.dir, itemId), { recursive: true, mode: 0o700 });
    this.busy.add(itemId);
    try {
      const out = await intoPlace(this.home, target, isDir, fill);
      const now = new Date();
      await utimes(target, now, now).catch(() => undefined);
      return out;
    } finally {
      this.busy.delete(itemId);
    }
  }

  /**
   * The real path of an item's cached file or folder, for `startDrag`.
   * Refuses a missing or unfinished copy, one of the other kind, a symlink,
   * and anything whose real path is not inside the cache folder, whatever
   * the id or name say.
   */
  async resolveCachedPath(itemId: string, name: string, isDir = false): Promise<string> {
    const candidate = this.pathFor(itemId, name);
    const info = await lstat(candidate).catch(() => undefined);
    if (!(isDir ? info?.isDirectory() : info?.isFile())) {
      throw new NotFoundError(`${name} is not downloaded for dragging yet.`, 'Use "Prepare drag" first; then drag it.');
    }
    const [root, real] = await Promise.all([realpath(this.dir), realpath(candidate)]);
    const rel = relative(root, real);
    if (!rel || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw new InvalidArgumentError(`Refused to drag ${name}: it is not in the download cache.`);
    }
    // A drag is a use: the sweep evicts the least recently used entries first.
    const now = new Date();
    await utimes(candidate, now, now).catch(() => undefined);
    return real;
  }

  /** Deletes entries older than `maxAgeMs`, then the least recently filled until the total fits `maxBytes`. */
  async sweep(limits: SweepLimits = this.limits): Promise<{ removed: number; bytes: number }> {
    const entries = await this.entries();
    const now = Date.now();
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    let removed = 0;
    for (const e of entries.sort((a, b) => a.mtime - b.mtime)) {
      if (now - e.mtime <= limits.maxAgeMs && total <= limits.maxBytes) break;
      await rm(join(this.dir, e.id), { recursive: true, force: true });
      total -= e.bytes;
      removed++;
    }
    return { removed, bytes: total };
  }

  /** What the cache holds now and its cap, for Settings. */
  async usage(): Promise<{ bytes: number; entries: number; maxBytes: number }> {
    const entries = await this.entries(true);
    return { bytes: entries.reduce((n, e) => n + e.bytes, 0), entries: entries.length, maxBytes: this.limits.maxBytes };
  }

  /** Removes every entry not being filled right now; returns the bytes freed and what is left (busy fills). */
  async clear(): Promise<{ freedBytes: number; bytes: number }> {
    let freedBytes = 0;
    for (const e of await this.entries()) {
      await rm(join(this.dir, e.id), { recursive: true, force: true });
      freedBytes += e.bytes;
    }
    return { freedBytes, bytes: (await this.usage()).bytes };
  }

  private async entries(includeBusy = false): Promise<{ id: string; bytes: number; mtime: number }[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: { id: string; bytes: number; mtime: number }[] = [];
    for (const id of names) {
      if (!includeBusy && this.busy.has(id)) continue;
      const m = await this.measure(join(this.dir, id), 0).catch(() => undefined);
      if (m) out.push({ id, ...m });
    }
    return out;
  }

  /**
   * Total bytes and last use under an entry, folders included (a downloaded
   * folder nests). The item itself (depth 1) counts its own mtime, which a
   * drag touches, as well as its files'.
   */
  private async measure(path: string, depth: number): Promise<{ bytes: number; mtime: number }> {
    const info = await lstat(path);
    if (!info.isDirectory()) return { bytes: info.size, mtime: info.mtimeMs };
    let bytes = 0;
    let mtime = depth === 1 ? info.mtimeMs : 0;
    for (const f of await readdir(path)) {
      const m = await this.measure(join(path, f), depth + 1);
      bytes += m.bytes;
      mtime = Math.max(mtime, m.mtime);
    }
    return { bytes, mtime: mtime || info.mtimeMs };
  }
}
