/**
 * The part map kept beside a download's `.part` file. It records which parts
 * are on disk so that a download cut by a crash or a cancel resumes without
 * fetching them again; size, ETag and part size pin it to one version of the
 * object and one layout of the file.
 */
import type { FileHandle } from 'node:fs/promises';
import { readFile, rename, writeFile } from 'node:fs/promises';

export interface PartMap {
  version: 1;
  key: string;
  size: number;
  etag: string;
  partSize: number;
  /** Indexes of parts written to the `.part` file and synced. */
  done: number[];
}

/** The saved map, or undefined when there is none or it is unreadable (then the download starts over). */
export async function loadPartMap(path: string): Promise<PartMap | undefined> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as Partial<PartMap>;
    if (m.version !== 1 || typeof m.size !== 'number' || typeof m.etag !== 'string' || !Array.isArray(m.done)) return undefined;
    return m as PartMap;
  } catch {
    return undefined;
  }
}

/** Writes the map atomically, so a crash mid-write leaves the previous map. */
export async function savePartMap(path: string, map: PartMap): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(map));
  await rename(tmp, path);
}

/**
 * Persists progress as parts complete, at most once per `interval`, so a
 * fast download does not stall on a sync per part. Data is synced before the
 * map claims it, so even a power cut never leaves a map pointing at bytes
 * that did not reach the disk. A crash loses at most `interval` of progress.
 */
export class PartMapFlusher {
  private running?: Promise<void>;
  private dirty = false;
  private error: unknown;
  private wake?: () => void;

  constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly map: PartMap,
    private readonly done: ReadonlySet<number>,
    private readonly interval = 1000,
  ) {}

  schedule(): void {
    this.dirty = true;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Writes what is pending now; rethrows the first write error. */
  async flush(): Promise<void> {
    if (this.dirty && !this.running) this.schedule();
    this.wake?.();
    await this.running;
    if (this.error) throw this.error;
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.error) {
      this.dirty = false;
      const done = [...this.done].sort((a, b) => a - b);
      try {
        await this.fh.datasync();
        await savePartMap(this.path, { ...this.map, done });
      } catch (err) {
        this.error = err;
      }
      if (this.dirty) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.interval);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = undefined;
    });
  }
}
