/**
 * The `downloading` step: a fresh work dir with the code snapshot unpacked,
 * the deps' artifacts placed at their paths, and the workflow's cache
 * restored, before any command runs.
 *
 * Everything happens in a private work root (0700, checked to be ours and no
 * link), never in a shared temp folder: there another user could create the
 * folder first and plant files the job would then run. Nothing left in the
 * root is reused: the work and staging folders are removed (links unlinked,
 * never followed) and created anew.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendConfig } from '../common/config';
import type { Job } from '../common/job';
import type { Storage } from '../core/backend';
import { keys } from '../core/keys';
import { unpackSnapshot } from '../core/snapshot';
import { downloadTree } from '../core/tree-transfer';
import { localWorkRoot, stagingPath, workdirPath } from '../node/job-footprint';
import { dstackHome } from '../node/home';
import { ensurePrivateDir, PRIVATE_DIR_MODE } from '../node/private-dir';

/**
 * Where jobs' work dirs go unless the caller says otherwise: the local
 * backend's `{home}/local/work`, so that its reconcile finds and cleans what
 * a killed runner left; on a cloud instance, `{DSTACK_HOME}/work` of the
 * runner's user.
 */
export function defaultWorkRoot(config?: BackendConfig): string {
  return config?.type === 'local' ? localWorkRoot(config.home) : join(dstackHome(), 'work');
}

/** The job's work dir under `root`. */
export function workdirOf(root: string, job: Job): string {
  return workdirPath(root, job.id);
}

export interface Prepared {
  workdir: string;
  depFiles: number;
  cacheFiles: number;
}

export async function prepareWorkdir(storage: Storage, job: Job, root: string, signal?: AbortSignal): Promise<Prepared> {
  await ensurePrivateDir(root, 'The work folder');
  const workdir = workdirOf(root, job);
  const staging = stagingPath(root, job.id);
  await rm(workdir, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
  // Not recursive: mkdir fails if anything got there since, so both folders are ours and new.
  await mkdir(workdir, { mode: PRIVATE_DIR_MODE });
  await mkdir(staging, { mode: PRIVATE_DIR_MODE });
  try {
    const tarball = join(staging, 'code.tar.gz');
    await storage.downloadFile(job.code.key, tarball, { signal });
    await unpackSnapshot(tarball, workdir, job.code);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  let depFiles = 0;
  for (const dep of job.deps) depFiles += (await downloadTree(storage, keys.artifactsPrefix(job.repo, dep.jobId), workdir, { signal })).files;
  const cacheFiles = job.cache.length ? (await downloadTree(storage, keys.cachePrefix(job.repo, job.workflowName), workdir, { signal })).files : 0;
  return { workdir, depFiles, cacheFiles };
}
