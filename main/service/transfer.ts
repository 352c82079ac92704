/**
 * Copying one artifact item (a file or a whole folder) from storage to a
 * local path, with one progress figure across all its files. Each file goes
 * through the storage's own downloadFile, which resumes from a partial it
 * staged privately (core/staged-file.ts) and verifies before renaming into
 * place, so a cancelled or crashed download picks up where it stopped; a folder's files move many at once
 * (core/tree-transfer.ts).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NotFoundError } from '../common/errors';
import { keys } from '../core/keys';
import type { KeptFiles } from '../core/tree-transfer';
import { downloadTree } from '../core/tree-transfer';
import type { RunService } from '../core/runs';
import type { DragCache } from './drag-cache';
import { intoPlace } from './into-place';
import type { ArtifactItem } from './items';
import type { TaskContext } from './tasks';

export interface TransferItemOptions {
  /** See TreeDownloadOptions.keep: for the `.partial` folders of into-place.ts. */
  keep?: KeptFiles;
}

export async function transferItem(runs: RunService, item: ArtifactItem, target: string, task: TaskContext, opts: TransferItemOptions = {}): Promise<void> {
  const job = await runs.artifactsJob(item.repo, item.ref);
  const storage = runs.backend.storage;
  const base = keys.artifactsPrefix(item.repo, job.id);
  if (!item.isDir) {
    await mkdir(dirname(target), { recursive: true });
    // The storage reports the first figure itself: the bytes it resumes with, when it picks up its own partial.
    await storage.downloadFile(base + item.path, target, { signal: task.signal, onProgress: (p) => task.progress(p.bytes, p.total) });
    return;
  }
  // Counted first, then listed again while copying: two listings keep memory flat for a folder of millions of files.
  const { files, bytes: total } = await runs.artifactFolderTotal(job, item.path, task.signal);
  if (!files) throw new NotFoundError(`The folder ${item.name} holds no files.`);
  const prefix = `${base}${item.path ? `${item.path}/` : ''}`;
  await downloadTree(storage, prefix, target, { signal: task.signal, total, keep: opts.keep, onProgress: (p) => task.progress(p.bytes, p.total) });
}

/** Fills the drag cache with an item, resuming a folder from the files an earlier fill verified. */
export function fillDragCache(cache: DragCache, runs: RunService, item: ArtifactItem, task: TaskContext): Promise<void> {
  return cache.fill(item.id, item.name, (target, keep) => transferItem(runs, item, target, task, { keep }), item.isDir);
}

/** Copies an item to a path the user chose; a folder appears there only when whole, and resumes like the cache. */
export function downloadTo(home: string, runs: RunService, item: ArtifactItem, target: string, task: TaskContext): Promise<void> {
  return intoPlace(home, target, item.isDir, (dest, keep) => transferItem(runs, item, dest, task, { keep }));
}
