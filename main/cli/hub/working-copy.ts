/**
 * What `dstack run` sends a team hub: the working copy packed exactly as a
 * direct backend stores it (core/snapshot.ts: the same files, the same
 * ignores, the same tar) and the project's workflow files as the loader
 * finds them, as text. The hub parses and counts both itself; nothing here
 * is taken on trust.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunUploadHead } from '../../common/api/run-upload';
import { DstackError } from '../../common/errors';
import { openProject } from '../../core/project';
import { packSnapshot, planSnapshot } from '../../core/snapshot';
import { findWorkflowFiles } from '../../core/workflow/loader';

export interface PackedWorkingCopy {
  /** The snapshot's gzip tar. */
  file: string;
  workflowFiles: RunUploadHead['workflowFiles'];
  git?: RunUploadHead['git'];
  /** Removes the packed file. */
  dispose(): Promise<void>;
}

/** Packs the project that holds `cwd`: the same "no dstack project here" error as a local run when there is none. */
export async function packWorkingCopy(cwd: string): Promise<PackedWorkingCopy> {
  const { root } = await openProject(cwd);
  const workflowFiles: RunUploadHead['workflowFiles'] = [];
  for (const file of await findWorkflowFiles(root)) {
    const text = await readFile(join(root, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new DstackError('permission', `${file}: cannot read the file (${err.code ?? err.message}); check its permissions.`);
    });
    workflowFiles.push({ file, text });
  }
  const plan = await planSnapshot(root);
  const dir = await mkdtemp(join(tmpdir(), 'dstack-code-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const file = join(dir, 'code.tar.gz');
    await packSnapshot(root, plan, file);
    return { file, workflowFiles, ...(plan.git ? { git: plan.git } : {}), dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
