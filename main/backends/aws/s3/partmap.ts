/**
 * Persists a download's progress as parts complete: the staged file's
 * journal (core/staged-file.ts) records which parts are on disk and their
 * MD5, so a download cut by a crash or a cancel resumes without fetching
 * intact parts again. Saving syncs the data first, so even a power cut
 * never leaves a journal pointing at bytes that did not reach the disk.
 * Saves run at most once per `interval`, so a fast download does not stall
 * on a sync per part; a crash loses at most `interval` of progress.
 */
export class JournalFlusher {
  private running?: Promise<void>;
  private dirty = false;
  private error: unknown;
  private wake?: () => void;

  constructor(
    private readonly save: () => Promise<void>,
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
      try {
        await this.save();
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
