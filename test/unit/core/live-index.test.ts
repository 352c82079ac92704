// `ps` (unfinished runs and the newest) must cost a few keys however many runs
// a project had, while showing exactly what the records say: a team's hub
// answers it while runs change all the time, when no listing of the project's
// 30,000 job files can be kept.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLocalBackend } from '../../../main/backends/local/index';
import type { ListOptions } from '../../../main/core/backend';
import { keys } from '../../../main/core/keys';
import { RECENT_KEPT } from '../../../main/core/live-index';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from './fixtures';

let t: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(() => t.cleanup());

/** A RunService on local storage that records the prefix of every listing. */
async function counted(): Promise<{ runs: RunService; listed: string[] }> {
  const backend = await createLocalBackend({ type: 'local', home: t.dir });
  const listed: string[] = [];
  const list = backend.storage.list.bind(backend.storage);
  backend.storage.list = (prefix: string, opts?: ListOptions) => (listed.push(prefix), list(prefix, opts));
  return { runs: new RunService(backend), listed };
}

const shown = async (runs: RunService) => (await runs.list(REPO)).map((r) => `${r.runName} ${r.status}`);

it('answers ps from the live and newest runs alone, with no listing of the project\'s jobs, while runs change', async () => {
  const { runs, listed } = await counted();
  const now = Date.now();
  for (let i = 0; i < 60; i++) await runs.jobs.create({ ...fakeJob(`old-run-${i}`, now - 100_000 - i), status: 'done', finishedAt: now });
  const long = fakeJob('long-run-1', now - 50_000);
  await runs.jobs.create(long);
  await runs.jobs.setStatus(REPO, long.id, 'running');
  expect(await shown(runs)).toEqual(['long-run-1 running']);
  // Only what ps itself lists counts (a status change lists its own job's heads).
  const byPs: string[] = [];
  const ps = async () => {
    listed.length = 0;
    const out = await shown(runs);
    byPs.push(...listed);
    return out;
  };

  const quick = fakeJob('quick-run-2', now);
  await runs.jobs.create(quick);
  expect(await ps()).toEqual(['quick-run-2 submitted', 'long-run-1 running']);
  await runs.jobs.setStatus(REPO, quick.id, 'running');
  expect(await ps()).toEqual(['quick-run-2 running', 'long-run-1 running']);
  await runs.jobs.setStatus(REPO, quick.id, 'uploading');
  await runs.jobs.setStatus(REPO, quick.id, 'done', { finishedAt: Date.now() });
  // The newest run shows though it finished; an older finished one does not.
  expect(await ps()).toEqual(['quick-run-2 done', 'long-run-1 running']);
  await runs.jobs.setStatus(REPO, long.id, 'failed', { finishedAt: Date.now() });
  expect(await ps()).toEqual(['quick-run-2 done']);
  expect(byPs.filter((p) => p.startsWith('jobs/')), 'listings of the jobs folder by ps').toEqual([]);
  expect((await runs.list(REPO, { all: true })).length).toBe(62);
}, 60_000);

it('indexes a project whose jobs were stored before the index, on its first ps', async () => {
  const { runs } = await counted();
  const storage = runs.backend.storage;
  const now = Date.now();
  // As an earlier release stored them: the record and the status head, nothing else.
  for (const [name, status, at] of [['early-run-1', 'running', now - 3000], ['early-run-2', 'done', now - 2000], ['early-run-3', 'failed', now - 1000]] as const) {
    const job = { ...fakeJob(name, at), status };
    await storage.put(keys.jobRecord(REPO, job.id), JSON.stringify(job));
    await storage.put(keys.jobHead(REPO, job.id, status, at), '');
  }
  expect(await shown(runs)).toEqual(['early-run-3 failed', 'early-run-1 running']);
  expect(await storage.get(keys.liveIndexBuilt(REPO)), 'the index is marked built').toBeDefined();
  const fresh = new RunService(runs.backend);
  expect(await shown(fresh), 'a second process reads the same index').toEqual(['early-run-3 failed', 'early-run-1 running']);
});

it('drops a live marker whose record finished without it, and shows the next newest run once the newest is removed', async () => {
  const { runs } = await counted();
  const storage = runs.backend.storage;
  const now = Date.now();
  const older = { ...fakeJob('older-run-1', now - 2000), status: 'done' as const, finishedAt: now };
  const stuck = fakeJob('stuck-run-2', now - 1000);
  const newest = fakeJob('newest-run-3', now);
  for (const j of [older, stuck, newest]) await runs.jobs.create(j);
  // A writer from before the index (a runner already on an instance) finishes the job and leaves its live marker.
  await storage.put(keys.jobRecord(REPO, stuck.id), JSON.stringify({ ...stuck, status: 'done' }));
  expect(await shown(runs)).toEqual(['newest-run-3 submitted']);
  expect(await storage.get(keys.liveMarker(REPO, stuck.id)), 'the stale live marker').toBeUndefined();

  await runs.jobs.setStatus(REPO, newest.id, 'aborted', { finishedAt: now });
  await runs.remove(REPO, 'newest-run-3');
  expect(await shown(runs)).toEqual(['stuck-run-2 done']);
});

it('keeps the newest markers only, and falls back to the full listing when every kept one was removed', async () => {
  const { runs } = await counted();
  const now = Date.now();
  const n = RECENT_KEPT + 3;
  for (let i = 0; i < n; i++) await runs.jobs.create({ ...fakeJob(`run-run-${i}`, now - (n - i) * 1000), status: 'done', finishedAt: now });
  const recent = await runs.backend.storage.list(keys.recentMarkerPrefix(REPO), { keysOnly: true, delimiter: '/' });
  expect(recent.objects.length).toBe(RECENT_KEPT);
  for (let i = n - 1; i >= 3; i--) await runs.remove(REPO, `run-run-${i}`);
  expect(await shown(runs)).toEqual(['run-run-2 done']);
}, 60_000);

it('reconciles from the live index: a dead run fails with no listing of the project\'s jobs', async () => {
  const { runs, listed } = await counted();
  const now = Date.now();
  for (let i = 0; i < 20; i++) await runs.jobs.create({ ...fakeJob(`old-run-${i}`, now - 100_000 - i), status: 'done', finishedAt: now });
  const dead = fakeJob('dead-run-1', now - 60_000);
  await runs.jobs.create(dead);
  await runs.jobs.setStatus(REPO, dead.id, 'running');
  expect(await shown(runs)).toEqual(['dead-run-1 running']);
  listed.length = 0;
  // No runner ever started for it: its pid file is missing, so the local backend finds it gone.
  const fixed = await runs.reconcile(REPO);
  expect(fixed.map((r) => `${r.runName} ${r.status}`)).toEqual(['dead-run-1 failed']);
  // Moving the run to failed lists that run's own heads; no listing of all of them.
  expect(listed.filter((p) => p === `jobs/${REPO}/` || p === keys.jobHeadPrefix(REPO)), 'listings of every job by reconcile').toEqual([]);
});
