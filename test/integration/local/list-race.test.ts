// A run whose status is changing while `ps` lists must still be listed. A
// status change writes the new head and then deletes the old one, and a
// directory read of a large folder (several getdents calls) or a paged
// listing can pass the new head's place before it is written and reach the
// old one's after it is deleted. Real local storage, real concurrent
// writers; every listing is checked.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { JobStatus } from '../../../main/common/status';
import { createLocalBackend } from '../../../main/backends/local/index';
import { JobStore } from '../../../main/core/jobs';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from '../../unit/core/fixtures';

let t: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(() => t.cleanup());

/** Every move stays unfinished, so `ps` must list every run at every moment. */
const PATH: JobStatus[] = ['downloading', 'running', 'stopping', 'uploading'];

it('lists every run while their statuses change under the listing', async () => {
  const backend = await createLocalBackend({ type: 'local', home: t.dir });
  const jobs = new JobStore(backend.storage);
  const runs = new RunService(backend);
  // Finished runs make the folder large (three files each), so one read of it takes many getdents calls.
  const finished = 1000;
  const count = 100;
  const now = Date.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < finished + count) {
      const n = next++;
      if (n < finished) {
        await jobs.create({ ...fakeJob(`done-run-${n}`, now - 1_000_000 - n), status: 'done', finishedAt: now });
        continue;
      }
      const job = fakeJob(`race-run-${n}`, now - n);
      await jobs.create(job);
      ids.push(job.id);
    }
  }));

  // Every job moves through all four statuses, eight writers at once, while two readers list in both forms.
  const moves = ids.flatMap((id) => PATH.map((to) => ({ id, to })));
  const byJob = new Map<string, typeof moves>();
  for (const m of moves) byJob.set(m.id, [...(byJob.get(m.id) ?? []), m]);
  const queue = [...byJob.values()];
  let writing = true;
  const writers = Promise.all(Array.from({ length: 8 }, async () => {
    for (let q = queue.shift(); q; q = queue.shift()) for (const m of q) await jobs.setStatus(REPO, m.id, m.to);
  })).finally(() => {
    writing = false;
  });
  const misses: string[] = [];
  let listings = 0;
  const readers = Promise.all([false, false].map(async (all) => {
    while (writing) {
      const listed = new Set((await runs.list(REPO, { all })).map((r) => r.jobId));
      listings++;
      const missing = ids.filter((id) => !listed.has(id));
      if (missing.length) misses.push(`listing ${listings}${all ? ' (all)' : ''} missed ${missing.length}: ${missing.slice(0, 3).join(' ')}`);
    }
  }));
  await Promise.all([writers, readers]);
  expect(listings, 'listings made while the statuses moved').toBeGreaterThan(3);
  expect(misses).toEqual([]);
  // And once it settles, every run is in its last status.
  const settled = await runs.list(REPO, { all: true });
  expect(settled.filter((r) => r.status === 'uploading').length).toBe(count);
  expect(settled.length).toBe(finished + count);
  await backend.close();
}, 120_000);
