// Real local storage in a temp folder for the core's tests: no mocks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../../main/common/job';
import { LocalStorage } from '../../../main/backends/local/storage';

export async function tempDir(prefix = 'dstack-core-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function tempStorage(): Promise<{ storage: LocalStorage; dir: string; cleanup: () => Promise<void> }> {
  const t = await tempDir();
  return { storage: new LocalStorage(join(t.dir, 'storage')), ...t };
}

export const REPO = 'proj-0123abcd';

/** A job record as submit would store it, for store-level tests. */
export function fakeJob(runName: string, submittedAt = Date.now()): Job {
  return {
    id: `${runName},train,0`,
    runName,
    repo: REPO,
    backend: 'local',
    status: 'submitted',
    submittedAt,
    updatedAt: submittedAt,
    args: [],
    deps: [],
    code: { key: 'code/x.tar.gz', hash: 'x', files: 0, bytes: 0 },
    secretNames: [],
    workflowName: 'train',
    provider: 'bash',
    commands: ['true'],
    env: {},
    artifacts: [],
    cache: [],
    ports: 0,
    resources: { interruptible: false },
  };
}

