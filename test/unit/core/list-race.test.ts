// A status change puts the new head and then deletes the old one. A
// directory read is several getdents calls, so a listing can read the part
// of the folder where the new head goes before it is written, and the part
// where the old head was after it is deleted: it sees no head of the run at
// all. Here that interleaving is made to happen every time: the listing's
// two parts are two real reads of the folder, with a real status change
// between them. `ps` must still list the run, in its new status.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ListOptions, ListPage } from '../../../main/core/backend';
import { createLocalBackend } from '../../../main/backends/local/index';
import { compareKeys } from '../../../main/backends/local/compare-keys';
import { JobStore } from '../../../main/core/jobs';
import { keys } from '../../../main/core/keys';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from './fixtures';

let t: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(() => t.cleanup());

it('lists a run whose status moved while its heads were being listed', async () => {
  const backend = await createLocalBackend({ type: 'local', home: t.dir });
  const jobs = new JobStore(backend.storage);
  const older = { ...fakeJob('calm-owl-1', Date.now() - 60_000), status: 'done' as const };
  const moving = fakeJob('brave-fox-2');
  await jobs.create(older);
  await jobs.create(moving);
  // "running" sorts before "submitted": the new head lands in the part of the folder already read.
  const oldHead = keys.jobHead(REPO, moving.id, 'submitted', moving.submittedAt);
  const list = backend.storage.list.bind(backend.storage);
  let raced = 0;
  backend.storage.list = async (prefix: string, opts?: ListOptions): Promise<ListPage> => {
    if (prefix !== keys.jobHeadPrefix(REPO) || raced++) return list(prefix, opts);
    const first = await list(prefix, opts);
    await jobs.setStatus(REPO, moving.id, 'running');
    const second = await list(prefix, opts);
    const objects = [...first.objects.filter((o) => compareKeys(o.key, oldHead) < 0), ...second.objects.filter((o) => compareKeys(o.key, oldHead) >= 0)];
    return { ...second, objects };
  };
  const runs = new RunService(backend);
  const ps = await runs.list(REPO);
  expect(raced, 'the heads listing raced the status change').toBe(1);
  expect(ps.map((r) => [r.runName, r.status])).toEqual([['brave-fox-2', 'running']]);
  expect((await runs.list(REPO, { all: true })).map((r) => [r.runName, r.status])).toEqual([['brave-fox-2', 'running'], ['calm-owl-1', 'done']]);
  await backend.close();
});
