/**
 * A status change puts the new head and then deletes the old one, so a
 * listing that reads the part of the heads where the new head goes before it
 * is written, and the part where the old head was after it is deleted, sees
 * no head of the run at all. On local files a directory read is several
 * getdents calls; on S3 the pages are separate requests: either can do just
 * that. The case makes that interleaving happen every time (the listing's two
 * parts are two real reads of the storage, with a real status change between
 * them) and holds every storage to one answer: `ps` still lists the run, from
 * its record, in its new status.
 */
import { expect, it } from 'vitest';
import type { Backend, ListOptions, ListPage } from '../../main/core/backend';
import { compareKeys } from '../../main/backends/local/compare-keys';
import { JobStore } from '../../main/core/jobs';
import { keys } from '../../main/core/keys';
import { RunService } from '../../main/core/runs';
import { fakeJob, REPO } from '../unit/core/fixtures';

/** Defines the case on `backend()`'s storage (called inside the test, after the suite's setup); `where` ends the test's name. */
export function listRaceCase(backend: () => Backend, where: string): void {
  it(`lists a run whose status moved while its heads were being listed, ${where}`, async () => {
    const real = backend();
    const jobs = new JobStore(real.storage);
    const older = { ...fakeJob('calm-owl-1', Date.now() - 60_000), status: 'done' as const };
    const moving = fakeJob('brave-fox-2');
    await jobs.create(older);
    await jobs.create(moving);
    // "running" sorts before "submitted": the new head lands in the part of the heads already read.
    const oldHead = keys.jobHead(REPO, moving.id, 'submitted', moving.submittedAt);
    const list = real.storage.list.bind(real.storage);
    let raced = 0;
    const storage = Object.assign(Object.create(real.storage) as Backend['storage'], {
      list: async (prefix: string, opts?: ListOptions): Promise<ListPage> => {
        // The listing that holds the heads: of the heads alone, or of the whole repo folder (`ps` lists heads and records at once).
        if (!keys.jobHeadPrefix(REPO).startsWith(prefix) || raced++) return list(prefix, opts);
        const first = await list(prefix, opts);
        await jobs.setStatus(REPO, moving.id, 'running');
        const second = await list(prefix, opts);
        const objects = [...first.objects.filter((o) => compareKeys(o.key, oldHead) < 0), ...second.objects.filter((o) => compareKeys(o.key, oldHead) >= 0)];
        return { ...second, objects };
      },
    });
    const runs = new RunService(Object.assign(Object.create(real) as Backend, { storage }));
    const ps = await runs.list(REPO);
    expect(raced, 'the heads listing raced the status change').toBe(1);
    expect(ps.map((r) => [r.runName, r.status])).toEqual([['brave-fox-2', 'running']]);
    expect((await runs.list(REPO, { all: true })).map((r) => [r.runName, r.status])).toEqual([['brave-fox-2', 'running'], ['calm-owl-1', 'done']]);
  });
}
