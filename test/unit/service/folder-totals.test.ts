// `artifacts.folderTotal` through the service on a real local backend: the
// total of a folder item, kept per finished job, counted afresh while a job
// still runs, and never more than a few listings at once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListOptions, Storage } from '../../../main/core/backend';
import type { RunService } from '../../../main/core/runs';
import { keys } from '../../../main/core/keys';
import { ApiService } from '../../../main/service/api';
import { fakeJob, REPO } from '../core/fixtures';

let home: string;
let service: ApiService;
let runs: RunService;
let lists = 0;
let inFlight = 0;
let peak = 0;

async function job(runName: string, statuses: Parameters<RunService['jobs']['setStatus']>[2][], files: Record<string, number>): Promise<void> {
  const j = { ...fakeJob(runName), id: `${runName},train,0` };
  await runs.jobs.create(j);
  for (const s of statuses) await runs.jobs.setStatus(REPO, j.id, s);
  for (const [p, n] of Object.entries(files)) await runs.backend.storage.put(keys.artifact(REPO, j.id, p), Buffer.alloc(n));
}

const folder = (ref: string, path: string) =>
  service.ctx.items.add({ projectId: 'p1', repo: REPO, ref, path, name: path.split('/').at(-1)!, isDir: true, size: 0 });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-totals-'));
  service = new ApiService({ home, version: '0', host: { transport: 'http' } });
  await service.call('setup.useLocal', undefined);
  runs = await service.ctx.runs();
  const storage: Storage = runs.backend.storage;
  const list = storage.list.bind(storage);
  // Counts artifact listings only: finding a run by name lists its records too.
  storage.list = async (prefix: string, opts?: ListOptions) => {
    if (!prefix.startsWith(keys.artifactsPrefix(REPO, '').slice(0, -1))) return list(prefix, opts);
    lists++;
    peak = Math.max(peak, ++inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      return await list(prefix, opts);
    } finally {
      inFlight--;
    }
  };
  await job('done-run-1', ['downloading', 'running', 'uploading', 'done'], { 'out/a.bin': 10, 'out/sub/b.bin': 20, 'out/sub/deep/c.bin': 30 });
  await job('busy-run-1', ['downloading', 'running', 'uploading'], { 'out/a.bin': 5 });
});
afterAll(async () => {
  await service.dispose();
  await rm(home, { recursive: true, force: true });
});

describe('artifacts.folderTotal', () => {
  it('counts a folder at every depth, and a finished run only once', async () => {
    const out = folder('done-run-1', 'out');
    lists = 0;
    expect(await service.call('artifacts.folderTotal', { itemId: out.id })).toEqual({ files: 3, bytes: 60 });
    expect(lists).toBe(1);
    expect(await service.call('artifacts.folderTotal', { itemId: out.id })).toEqual({ files: 3, bytes: 60 });
    expect(lists).toBe(1);
    expect(await service.call('artifacts.folderTotal', { itemId: folder('done-run-1', 'out/sub').id })).toEqual({ files: 2, bytes: 50 });
  });

  it('counts a run that is still uploading afresh each time', async () => {
    const out = folder('busy-run-1', 'out');
    expect(await service.call('artifacts.folderTotal', { itemId: out.id })).toEqual({ files: 1, bytes: 5 });
    await runs.backend.storage.put(keys.artifact(REPO, 'busy-run-1,train,0', 'out/more.bin'), Buffer.alloc(7));
    expect(await service.call('artifacts.folderTotal', { itemId: out.id })).toEqual({ files: 2, bytes: 12 });
  });

  it('runs at most four listings at once however many folders ask', async () => {
    for (let i = 0; i < 12; i++) await runs.backend.storage.put(keys.artifact(REPO, 'done-run-1,train,0', `many/d${i}/f.bin`), Buffer.alloc(i));
    peak = 0;
    const totals = await Promise.all(
      Array.from({ length: 12 }, (_, i) => service.call('artifacts.folderTotal', { itemId: folder('done-run-1', `many/d${i}`).id })),
    );
    expect(totals.map((t) => t.bytes)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('refuses a file, and an id it never issued', async () => {
    const file = service.ctx.items.add({ projectId: 'p1', repo: REPO, ref: 'done-run-1', path: 'out/a.bin', name: 'a.bin', isDir: false, size: 10 });
    await expect(service.call('artifacts.folderTotal', { itemId: file.id })).rejects.toThrow('a.bin is a file, not a folder.');
    await expect(service.call('artifacts.folderTotal', { itemId: 'never-issued' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
