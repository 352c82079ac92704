/**
 * The `uploading` step. Artifacts go under the job's artifact prefix; the
 * cache is synced to the workflow's cache prefix, so files deleted by the
 * job leave the cache too. Files stream from the walk into the upload pool,
 * so a folder of a million files is never a list in memory.
 */
import { lstat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { DstackError } from '../common/errors';
import type { Job } from '../common/job';
import type { Storage } from '../core/backend';
import { keys } from '../core/keys';
import { listAll } from '../core/pages';
import type { UploadItem } from '../core/tree-transfer';
import { uploadTree } from '../core/tree-transfer';
import { insideWorkdir, SkippedEntries, walkUnder } from './files';

export interface UploadOptions {
  signal?: AbortSignal;
  /** Writes a line to the run's log: what was left out (links, special files) is said there, not dropped silently. */
  log?: (line: string) => void;
}

/** The regular files under `abs` as upload items under `prefix`; everything else goes to `skipped`. */
async function* itemsUnder(workdir: string, abs: string, prefix: string, skipped: SkippedEntries): AsyncGenerator<UploadItem> {
  for await (const e of walkUnder(workdir, abs)) {
    if (e.kind === 'file') yield { path: join(workdir, e.rel), key: prefix + e.rel };
    else skipped.add(e);
  }
}

/**
 * Uploads every artifact path. With `requireAll`, a path the job did not
 * create is an error: `done` promises the artifacts are stored.
 */
export async function uploadArtifacts(storage: Storage, job: Job, workdir: string, opts: UploadOptions & { requireAll: boolean }): Promise<number> {
  const prefix = keys.artifactsPrefix(job.repo, job.id);
  const skipped = new SkippedEntries();
  let count = 0;
  try {
    for (const a of job.artifacts) {
      const { files } = await uploadTree(storage, itemsUnder(workdir, insideWorkdir(workdir, a.path), prefix, skipped), { signal: opts.signal });
      if (!files && opts.requireAll) {
        throw new DstackError('not_found', `Artifact path ${a.path} was not created by the job.`, { fix: 'Check the artifacts paths in the workflow.' });
      }
      count += files;
    }
  } finally {
    for (const line of skipped.lines('the artifacts')) opts.log?.(line);
  }
  return count;
}

/** Whether the cache still holds `rel`: a regular file under one of the cache paths (`''` is the whole work dir). */
async function inCache(workdir: string, cachePaths: string[], rel: string): Promise<boolean> {
  if (!cachePaths.some((p) => p === '' || rel === p || rel.startsWith(`${p}/`))) return false;
  const st = await lstat(join(workdir, ...rel.split('/'))).catch(() => undefined);
  return !!st?.isFile();
}

export async function saveCache(storage: Storage, job: Job, workdir: string, opts: UploadOptions = {}): Promise<number> {
  const prefix = keys.cachePrefix(job.repo, job.workflowName);
  const skipped = new SkippedEntries();
  const cachePaths = job.cache.map((p) => relative(workdir, insideWorkdir(workdir, p)).split(sep).join('/'));
  let count = 0;
  try {
    for (const p of job.cache) count += (await uploadTree(storage, itemsUnder(workdir, insideWorkdir(workdir, p), prefix, skipped), { signal: opts.signal })).files;
  } finally {
    for (const line of skipped.lines('the cache')) opts.log?.(line);
  }
  // What the job deleted leaves the stored cache: each stored key is checked against the disk, not against a list of every file.
  let gone: string[] = [];
  for await (const o of listAll(storage, prefix)) {
    if (!(await inCache(workdir, cachePaths, o.key.slice(prefix.length)))) gone.push(o.key);
    if (gone.length === 1000) {
      await storage.delete(gone);
      gone = [];
    }
  }
  if (gone.length) await storage.delete(gone);
  return count;
}
