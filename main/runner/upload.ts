/**
 * The `uploading` step. Artifacts go under the job's artifact prefix; the
 * cache is synced to the workflow's cache prefix, so files deleted by the
 * job leave the cache too.
 */
import { join } from 'node:path';
import { DstackError } from '../common/errors';
import type { Job } from '../common/job';
import type { Storage } from '../core/backend';
import { keys } from '../core/keys';
import { listAll } from '../core/pages';
import { uploadTree } from '../core/tree-transfer';
import { filesUnder, insideWorkdir } from './files';

/**
 * Uploads every artifact path. With `requireAll`, a path the job did not
 * create is an error: `done` promises the artifacts are stored.
 */
export async function uploadArtifacts(storage: Storage, job: Job, workdir: string, opts: { requireAll: boolean; signal?: AbortSignal }): Promise<number> {
  let count = 0;
  for (const a of job.artifacts) {
    const files = await filesUnder(workdir, insideWorkdir(workdir, a.path));
    if (!files.length && opts.requireAll) {
      throw new DstackError('not_found', `Artifact path ${a.path} was not created by the job.`, { fix: 'Check the artifacts paths in the workflow.' });
    }
    await uploadFiles(storage, workdir, files, keys.artifactsPrefix(job.repo, job.id), opts.signal);
    count += files.length;
  }
  return count;
}

export async function saveCache(storage: Storage, job: Job, workdir: string, signal?: AbortSignal): Promise<number> {
  const prefix = keys.cachePrefix(job.repo, job.workflowName);
  const files: string[] = [];
  for (const p of job.cache) files.push(...(await filesUnder(workdir, insideWorkdir(workdir, p))));
  await uploadFiles(storage, workdir, files, prefix, signal);
  const keep = new Set(files.map((f) => prefix + f));
  const gone: string[] = [];
  for await (const o of listAll(storage, prefix)) if (!keep.has(o.key)) gone.push(o.key);
  for (let i = 0; i < gone.length; i += 1000) await storage.delete(gone.slice(i, i + 1000));
  return files.length;
}

/** Uploads files (relative to `workdir`) to `prefix` + their path. */
function uploadFiles(storage: Storage, workdir: string, files: string[], prefix: string, signal?: AbortSignal): Promise<unknown> {
  return uploadTree(storage, files.map((f) => ({ path: join(workdir, f), key: prefix + f })), { signal });
}
