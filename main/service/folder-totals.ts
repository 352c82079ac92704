/**
 * Folder totals for the artifact tree. `artifacts.list` answers with one
 * level of one page, so the tree appears at once; each folder row then asks
 * for its own total, which is a recursive paginated listing of its prefix
 * and may take many storage calls. So totals are computed here, off the
 * listing's path:
 * - once per job and folder while the app runs: a finished job's artifacts
 *   never change (a job still running or uploading is counted afresh);
 * - the same folder asked twice at once shares one listing;
 * - at most {@link MAX_RUNNING} listings run at a time, so a page of a
 *   thousand folders cannot flood the storage or starve other calls.
 */
import { InvalidArgumentError } from '../common/errors';
import { isTerminal } from '../common/status';
import type { FolderTotal } from '../core/artifacts';
import type { RunService } from '../core/runs';
import type { ArtifactItem } from './items';

export type { FolderTotal };

const MAX_RUNNING = 4;
/** Totals kept; the least recently used go first. */
const MAX_KEPT = 20_000;

export class FolderTotals {
  private readonly kept = new Map<string, FolderTotal>();
  private readonly pending = new Map<string, Promise<FolderTotal>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** The files and bytes under a folder item. */
  async get(runs: RunService, item: ArtifactItem): Promise<FolderTotal> {
    if (!item.isDir) throw new InvalidArgumentError(`${item.name} is a file, not a folder.`);
    const job = await runs.artifactsJob(item.repo, item.ref);
    const key = `${item.repo}\0${job.id}\0${item.path}`;
    const kept = this.kept.get(key);
    if (kept) {
      this.kept.delete(key);
      this.kept.set(key, kept);
      return kept;
    }
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.limited(() => runs.artifactFolderTotal(job, item.path)).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const total = await pending;
    if (isTerminal(job.status)) this.keep(key, total);
    return total;
  }

  private keep(key: string, total: FolderTotal): void {
    this.kept.set(key, total);
    if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
  }

  /** Runs `work` when a slot is free; a finishing listing hands its slot straight to the next in line. */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= MAX_RUNNING) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
