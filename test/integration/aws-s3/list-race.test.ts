// The same race as test/unit/core/list-race.test.ts on S3 (s3rver): a
// listing that reads the heads before a status change where the new head
// goes, and after it where the old head was, sees no head of the run. S3
// pages are separate requests, so a listing of many pages can do just
// that. `ps` must still list the run, from its record, in its new status.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Backend, ListOptions, ListPage } from '../../../main/core/backend';
import { createLocalBackend } from '../../../main/backends/local/index';
import { compareKeys } from '../../../main/backends/local/compare-keys';
import { JobStore } from '../../../main/core/jobs';
import { keys } from '../../../main/core/keys';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from '../../unit/core/fixtures';
import { useS3 } from './setup';

const f = useS3();
let backend: Backend;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  const local = createLocalBackend({ type: 'local', home: t.dir });
  backend = Object.assign(Object.create(local) as Backend, { storage: f.storage });
});
afterAll(() => cleanup());

it('lists a run whose status moved while its heads were being listed, on S3', async () => {
  const jobs = new JobStore(f.storage);
  const older = { ...fakeJob('calm-owl-1', Date.now() - 60_000), status: 'done' as const };
  const moving = fakeJob('brave-fox-2');
  await jobs.create(older);
  await jobs.create(moving);
  const oldHead = keys.jobHead(REPO, moving.id, 'submitted', moving.submittedAt);
  const list = f.storage.list.bind(f.storage);
  let raced = 0;
  const storage = Object.assign(Object.create(f.storage) as typeof f.storage, {
    list: async (prefix: string, opts?: ListOptions): Promise<ListPage> => {
      if (prefix !== keys.jobHeadPrefix(REPO) || raced++) return list(prefix, opts);
      const first = await list(prefix, opts);
      await jobs.setStatus(REPO, moving.id, 'running');
      const second = await list(prefix, opts);
      const objects = [...first.objects.filter((o) => compareKeys(o.key, oldHead) < 0), ...second.objects.filter((o) => compareKeys(o.key, oldHead) >= 0)];
      return { ...second, objects };
    },
  });
  const runs = new RunService(Object.assign(Object.create(backend) as Backend, { storage }));
  const ps = await runs.list(REPO);
  expect(raced, 'the heads listing raced the status change').toBe(1);
  expect(ps.map((r) => [r.runName, r.status])).toEqual([['brave-fox-2', 'running']]);
  expect((await runs.list(REPO, { all: true })).map((r) => [r.runName, r.status])).toEqual([['brave-fox-2', 'running'], ['calm-owl-1', 'done']]);
});
