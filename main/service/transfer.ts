/**
 * Copying one artifact item (a file or a whole folder) from storage to a
 * local path, with one progress figure across all its files. Each file goes
 * through the storage's own downloadFile, which resumes from a `.part` file
 * and verifies before renaming into place, so a cancelled or crashed
 * download picks up where it stopped.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../common/errors';
import { keys } from '../core/keys';
import { listAll } from '../core/pages';
import type { RunService } from '../core/runs';
import type { ArtifactItem } from './items';
import type { TaskContext } from './tasks';

export async function transferItem(runs: RunService, item: ArtifactItem, target: string, task: TaskContext): Promise<void> {
  const job = await runs.artifactsJob(item.repo, item.ref);
  const storage = runs.backend.storage;
  const base = keys.artifactsPrefix(item.repo, job.id);
  if (!item.isDir) {
    await mkdir(dirname(target), { recursive: true });
    // The storage reports the first figure itself: the resume offset, when a .part is picked up.
    await storage.downloadFile(base + item.path, target, { signal: task.signal, onProgress: (p) => task.progress(p.bytes, p.total) });
    return;
  }
  const prefix = `${base}${item.path ? `${item.path}/` : ''}`;
  const files = [];
  for await (const o of listAll(storage, prefix)) files.push(o);
  if (!files.length) throw new NotFoundError(`The folder ${item.name} holds no files.`);
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  for (const f of files) {
    task.signal.throwIfAborted();
    const dest = join(target, ...f.key.slice(prefix.length).split('/'));
    await mkdir(dirname(dest), { recursive: true });
    await storage.downloadFile(f.key, dest, { signal: task.signal, onProgress: (p) => task.progress(done + p.bytes, total) });
    done += f.size;
    task.progress(done, total);
  }
}
