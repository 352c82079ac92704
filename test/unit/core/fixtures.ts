// Real local storage in a temp folder for the core's tests: no mocks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Job } from '../../../main/common/job';
import type { LocalBackend } from '../../../main/backends/local/index';
import { createLocalBackend } from '../../../main/backends/local/index';
import { LocalStorage } from '../../../main/backends/local/storage';
import { jobRecord } from '../../helpers/job-record';

export async function tempDir(prefix = 'dstack-core-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function tempStorage(): Promise<{ storage: LocalStorage; dir: string; cleanup: () => Promise<void> }> {
  const t = await tempDir();
  return { storage: new LocalStorage(join(t.dir, 'storage')), ...t };
}

/** A local backend on real files in a temp folder, made once for the test file; a getter, because shared cases are defined before the setup runs. */
export function useLocalBackend(): () => LocalBackend {
  let backend: LocalBackend;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    backend = createLocalBackend({ type: 'local', home: t.dir });
  });
  afterAll(() => cleanup?.());
  return () => backend;
}

export const REPO = 'proj-0123abcd';

/** A job record as submit would store it, for store-level tests. */
export function fakeJob(runName: string, submittedAt = Date.now()): Job {
  return jobRecord({ runName, repo: REPO, submittedAt });
}

