// A status change writes the new head and then deletes the old one; a
// directory listing that races it can see neither (local storage lists a
// folder that changes under it). Looking a run up by name must not then say
// it does not exist: the record itself never moves.
import type { ListOptions, ListPage } from '../../../main/core/backend';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JobStore } from '../../../main/core/jobs';
import { keys } from '../../../main/core/keys';
import { RunService } from '../../../main/core/runs';
import { createLocalBackend } from '../../../main/backends/local/index';
import { fakeJob, REPO, tempDir } from './fixtures';

let t: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(() => t.cleanup());

it('finds a run whose heads a listing missed, from its record', async () => {
  const backend = await createLocalBackend({ type: 'local', home: t.dir });
  const job = fakeJob('calm-owl-1');
  await new JobStore(backend.storage).create(job);
  // The listing as it looks mid-change: no head at all for the job.
  const list = backend.storage.list.bind(backend.storage);
  backend.storage.list = async (prefix: string, opts?: ListOptions): Promise<ListPage> => {
    const page = await list(prefix, opts);
    return prefix.startsWith(keys.jobHeadPrefix(REPO)) ? { ...page, objects: [] } : page;
  };
  const runs = new RunService(backend);
  expect((await runs.get(REPO, 'calm-owl-1')).id).toBe(job.id);
  await expect(runs.get(REPO, 'calm-owl-2')).rejects.toThrow('Run calm-owl-2 does not exist.');
  await backend.close();
});
