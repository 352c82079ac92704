// A long-lived process (the app, `dstack server`, a hub) keeps what it
// listed and parsed while the project's storage is unchanged, so `ps` and
// `ps -a` with 10,000 runs answer without listing again. What they show
// must still be what is stored: every change shows in the next listing.
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLocalBackend } from '../../../main/backends/local/index';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from './fixtures';

let t: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(() => t.cleanup());

it('shows every status change, new run and removal in the next listing, though it keeps what it listed', async () => {
  const backend = await createLocalBackend({ type: 'local', home: t.dir });
  const runs = new RunService(backend);
  const now = Date.now();
  for (let i = 0; i < 300; i++) await runs.jobs.create({ ...fakeJob(`old-run-${i}`, now - 100_000 - i), status: 'done', finishedAt: now });
  const folder = join(t.dir, 'local', 'storage', 'jobs', REPO);
  // The folder looks quiet for a minute, so what is listed now is kept and reused.
  const settle = async () => {
    await utimes(folder, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    for (let i = 0; i < 3; i++) await runs.list(REPO, { all: true });
  };
  const shown = async (all: boolean) => (await runs.list(REPO, { all })).map((r) => `${r.runName} ${r.status}`);

  await settle();
  expect(await shown(true)).toHaveLength(300);
  const fresh = fakeJob('new-run-1', now);
  await runs.jobs.create(fresh);
  expect(await shown(false)).toEqual(['new-run-1 submitted']);
  await settle();
  await runs.jobs.setStatus(REPO, fresh.id, 'running');
  expect(await shown(false)).toEqual(['new-run-1 running']);
  await settle();
  await runs.jobs.setStatus(REPO, fresh.id, 'failed', { statusReason: 'boom', finishedAt: Date.now() });
  expect(await shown(false)).toEqual(['new-run-1 failed']);
  expect((await runs.list(REPO, { all: true }))[0]).toMatchObject({ runName: 'new-run-1', status: 'failed', statusReason: 'boom' });
  await settle();
  await runs.remove(REPO, 'new-run-1');
  expect(await shown(false)).toEqual(['old-run-0 done']);
  const all = await shown(true);
  expect(all).toHaveLength(300);
  expect(all).not.toContain('new-run-1 failed');
  await backend.close();
});
