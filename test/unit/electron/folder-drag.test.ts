// Dragging a folder out of the desktop app, on a real local backend with
// `electron` mocked: the folder is downloaded into the drag cache with
// progress, cancel and resume (files already in are not fetched again), is
// not draggable until complete, then Electron drags its folder path.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArtifactEntry, TaskProgress } from '../../../main/common/api/operations';
import type { TransferOptions } from '../../../main/core/backend';
import { keys } from '../../../main/core/keys';
import { waitFor } from '../../helpers/wait';
import { fakeJob } from '../core/fixtures';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { FakeBrowserWindow } = await import('./electron-mock');
const { electronHost } = await import('../../../main/electron-main/host');
const { ApiService } = await import('../../../main/service/api');

const JOB = 'drag-run-1,train,0';
const files = new Map([
  ['out/a.bin', randomBytes(1024 * 1024)],
  ['out/b.bin', randomBytes(1024 * 1024 + 3)],
  ['out/sub/c.bin', randomBytes(512 * 1024)],
]);
const win = new FakeBrowserWindow({});
let home: string;
let project: string;
let service: InstanceType<typeof ApiService>;
let projectId: string;
const progress: TaskProgress[] = [];
const fetched: string[] = [];
const completed: string[] = [];
let cancelAt: string | undefined;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-fdrag-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-fdragproj-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  service = new ApiService({ home, version: '0', host: electronHost(() => win as never, '/icon.png') });
  service.hub.listen((event, payload) => {
    if (event === 'task.progress') progress.push(payload as TaskProgress);
  });
  await service.call('setup.useLocal', undefined);
  const info = await service.ctx.projects.open(project);
  projectId = info.id;
  const { repo } = await service.ctx.projects.resolve(projectId);
  const runs = await service.ctx.runs();
  await runs.jobs.create({ ...fakeJob('drag-run-1'), id: JOB, repo });
  for (const s of ['downloading', 'running', 'uploading', 'done'] as const) await runs.jobs.setStatus(repo, JOB, s);
  for (const [p, data] of files) await runs.backend.storage.put(keys.artifact(repo, JOB, p), data);
  // Records each file fetched and each one complete. Files move several at once, so
  // `cancelAt` waits for the others to be in, then cancels, as a user pressing Cancel would.
  const download = runs.backend.storage.downloadFile.bind(runs.backend.storage);
  runs.backend.storage.downloadFile = async (key: string, local: string, opts?: TransferOptions) => {
    const name = key.slice(key.indexOf('/out/') + 1);
    fetched.push(name);
    if (cancelAt && key.endsWith(cancelAt)) {
      await waitFor(`the other ${files.size - 1} files to complete before cancelling`, () => [...completed], (c) => c.length >= files.size - 1, { everyMs: 5 });
      service.ctx.tasks.cancelAll();
    }
    await download(key, local, opts);
    completed.push(name);
  };
});
afterAll(async () => {
  await service.dispose();
  for (const d of [home, project]) await rm(d, { recursive: true, force: true });
});

async function outFolder(): Promise<ArtifactEntry> {
  const page = await service.call('artifacts.list', { projectId, source: { runName: 'drag-run-1' }, prefix: '' });
  return page.entries.find((e) => e.name === 'out')!;
}

/** The task's first figure that is not `running`; fails with the last figure seen when it never comes. */
async function finished(taskId: string): Promise<TaskProgress> {
  const end = await waitFor(
    `task ${taskId} to end`,
    () => progress.find((p) => p.taskId === taskId && p.state !== 'running') ?? progress.filter((p) => p.taskId === taskId).at(-1),
    (p) => p !== undefined && p.state !== 'running',
    { everyMs: 10, timeoutMs: 12_000 },
  );
  return end!;
}

describe('dragging a folder out', () => {
  it('is refused while the folder is only remote', async () => {
    const out = await outFolder();
    expect(out).toMatchObject({ isDir: true, cached: false });
    await expect(service.call('artifacts.startDrag', { itemId: out.id })).rejects.toMatchObject({ code: 'not_found' });
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });

  it('downloads into the cache with cancel and resume, then drags the complete folder', async () => {
    const out = await outFolder();
    cancelAt = 'out/b.bin';
    const first = await service.call('artifacts.cache', { itemId: out.id });
    expect(await finished(first.taskId)).toMatchObject({ state: 'cancelled' });
    expect(completed.sort()).toEqual(['out/a.bin', 'out/sub/c.bin']);
    expect((await outFolder()).cached).toBe(false);
    await expect(service.call('artifacts.startDrag', { itemId: out.id })).rejects.toMatchObject({ code: 'not_found' });

    cancelAt = undefined;
    fetched.length = 0;
    const second = await service.call('artifacts.cache', { itemId: out.id });
    const total = [...files.values()].reduce((n, b) => n + b.length, 0);
    expect(await finished(second.taskId)).toMatchObject({ state: 'done', bytes: total, total });
    expect(fetched).toEqual(['out/b.bin']);
    expect((await outFolder()).cached).toBe(true);

    await service.call('artifacts.startDrag', { itemId: out.id });
    expect(win.webContents.startDrag).toHaveBeenCalledTimes(1);
    const dragged = win.webContents.startDrag.mock.calls[0]![0].file as string;
    const cacheDir = await realpath(join(home, 'app', 'drag-cache'));
    expect(dragged.startsWith(`${cacheDir}/`)).toBe(true);
    expect(dragged.endsWith('/out')).toBe(true);
    expect((await stat(dragged)).isDirectory()).toBe(true);
    for (const [p, data] of files) expect((await readFile(join(dragged, p.slice('out/'.length)))).equals(data), p).toBe(true);
  });
});
