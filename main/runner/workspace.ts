/**
 * The `downloading` step: a fresh work dir with the code snapshot unpacked,
 * the deps' artifacts placed at their paths, and the workflow's cache
 * restored, before any command runs.
 */
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import type { Job } from '../common/job';
import type { Storage } from '../core/backend';
import { keys } from '../core/keys';
import { downloadTree } from '../core/tree-transfer';

/** Where jobs' work dirs go unless the caller says otherwise. */
export function defaultWorkRoot(): string {
  return join(tmpdir(), 'dstack-jobs');
}

/** A job id holds commas; keep the folder name plain on every file system. */
export function workdirOf(root: string, job: Job): string {
  return join(root, job.id.replace(/[^A-Za-z0-9._-]/g, '_'));
}

export interface Prepared {
  workdir: string;
  depFiles: number;
  cacheFiles: number;
}

export async function prepareWorkdir(storage: Storage, job: Job, root: string, signal?: AbortSignal): Promise<Prepared> {
  const workdir = workdirOf(root, job);
  await rm(workdir, { recursive: true, force: true });
  await mkdir(workdir, { recursive: true });
  const tarball = join(root, `${job.id.replace(/[^A-Za-z0-9._-]/g, '_')}.code.tar.gz`);
  try {
    await storage.downloadFile(job.code.key, tarball, { signal });
    await extract({ file: tarball, cwd: workdir });
  } finally {
    await rm(tarball, { force: true });
  }
  let depFiles = 0;
  for (const dep of job.deps) depFiles += (await downloadTree(storage, keys.artifactsPrefix(job.repo, dep.jobId), workdir, { signal })).files;
  const cacheFiles = job.cache.length ? (await downloadTree(storage, keys.cachePrefix(job.repo, job.workflowName), workdir, { signal })).files : 0;
  return { workdir, depFiles, cacheFiles };
}
