/**
 * Waits for a file to change: fs.watch on its folder when the platform
 * delivers events, and a short poll as a fallback, because fs.watch misses
 * events on some file systems (network mounts, some containers) and cannot
 * watch a folder that does not exist yet.
 */
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export class FileWaker {
  private watcher?: FSWatcher;
  private pending?: () => void;
  private changed = false;

  constructor(private readonly path: string) {}

  /** Resolves when the file changes, after `pollMs`, or when `signal` aborts, whichever comes first. */
  async wait(pollMs: number, signal?: AbortSignal): Promise<void> {
    this.ensureWatching();
    if (this.changed || signal?.aborted) {
      this.changed = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.pending = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      signal?.addEventListener('abort', done, { once: true });
      this.pending = done;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private ensureWatching(): void {
    if (this.watcher) return;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        this.changed = true;
        this.pending?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // The folder does not exist yet, or watching is unsupported: the poll covers it.
    }
  }
}
