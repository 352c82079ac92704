// Downloads as the desktop app does them, on a real local backend: into the
// Downloads folder or a "Save as…" target, folders as folders, "Show in
// folder", and cancel then resume without fetching the finished parts again.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TaskProgress } from '../../../main/common/api/operations';
import { LOCAL_PART_SIZE } from '../../../main/backends/local/download';
import { keys } from '../../../main/core/keys';
import { stagedPaths } from '../../../main/core/staged-file';
import { ApiService } from '../../../main/service/api';
import { waitFor } from '../../helpers/wait';

const BIG = 96 * 1024 * 1024;
let home: string;
let project: string;
let downloads: string;
let service: ApiService;
let projectId: string;
let runName: string;
const reveal = vi.fn();
const progress: TaskProgress[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-dl-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-dlproj-'));
  downloads = await mkdtemp(join(tmpdir(), 'dstack-downloads-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(
    join(project, '.dstack', 'workflows', 'w.yaml'),
    `workflows:\n  - name: make\n    provider: bash\n    commands:\n      - mkdir -p out/sub && printf small > out/s.txt && printf deeper > out/sub/d.txt\n      - head -c ${BIG} /dev/urandom > out/big.bin\n    artifacts:\n      - path: out\n`,
  );
  service = new ApiService({
    home,
    version: '0',
    host: { transport: 'ipc', downloadsDir: () => downloads, pickSavePath: async (n) => join(downloads, `saved-${n}`), reveal },
  });
  service.hub.listen((event, payload) => {
    if (event === 'task.progress') progress.push(payload as TaskProgress);
  });
  await service.call('setup.useLocal', undefined);
  projectId = (await service.call('projects.open', { path: project }))!.id;
  runName = (await service.call('runs.submit', { projectId, workflow: 'make', args: [] })).runName;
  // Waits for any end, so a failed run fails here at once, with its reason, instead of after the timeout.
  const run = await waitFor(
    `run ${runName} to finish`,
    async () => (await service.call('runs.list', { projectId, all: true })).find((r) => r.runName === runName),
    (r) => ['done', 'failed', 'aborted', 'stopped'].includes(r?.status ?? ''),
    { timeoutMs: 150_000, everyMs: 100 },
  );
  expect(run, `run ${runName} (${run?.statusReason ?? 'no reason given'})`).toMatchObject({ status: 'done' });
}, 180_000);
afterAll(async () => {
  await service.dispose();
  for (const d of [home, project, downloads]) await rm(d, { recursive: true, force: true });
});

const entry = async (prefix: string, name: string) =>
  (await service.call('artifacts.list', { projectId, source: { runName }, prefix })).entries.find((e) => e.name === name)!;

/** The task's first figure that is not `running`; fails with the last figure seen when it never comes. */
async function finished(taskId: string): Promise<TaskProgress> {
  const end = await waitFor(
    `task ${taskId} to end`,
    () => progress.find((p) => p.taskId === taskId && p.state !== 'running') ?? progress.filter((p) => p.taskId === taskId).at(-1),
    (p) => p !== undefined && p.state !== 'running',
    { everyMs: 20 },
  );
  return end!;
}

describe('desktop downloads', () => {
  it('downloads a file into Downloads, and shows it in its folder', async () => {
    const { taskId } = await service.call('artifacts.download', { itemId: (await entry('out', 's.txt')).id });
    expect(await finished(taskId)).toMatchObject({ state: 'done', bytes: 5, total: 5 });
    expect(await readFile(join(downloads, 's.txt'), 'utf8')).toBe('small');
    await service.call('artifacts.reveal', { taskId });
    expect(reveal).toHaveBeenCalledWith(join(downloads, 's.txt'));
    // Downloading it again never replaces what is already there.
    const again = await service.call('artifacts.download', { itemId: (await entry('out', 's.txt')).id });
    await finished(again.taskId);
    expect(await readFile(join(downloads, 's (1).txt'), 'utf8')).toBe('small');
  });

  it('downloads to the "Save as…" target, and a folder as a folder', async () => {
    const saved = await service.call('artifacts.download', { itemId: (await entry('out', 's.txt')).id, saveAs: true });
    await finished(saved.taskId);
    expect(await readFile(join(downloads, 'saved-s.txt'), 'utf8')).toBe('small');
    const folder = await service.call('artifacts.download', { itemId: (await entry('out', 'sub')).id });
    expect((await finished(folder.taskId)).state).toBe('done');
    expect(await readFile(join(downloads, 'sub', 'd.txt'), 'utf8')).toBe('deeper');
  });

  it('resumes a cancelled download where it stopped, and the result matches byte for byte', async () => {
    const big = await entry('out', 'big.bin');
    // Cancels as the copy passes half way, as a user pressing Cancel would; a local copy is too fast to catch by timing.
    const storage = (await service.ctx.runs()).backend.storage;
    const download = storage.downloadFile.bind(storage);
    let taskId = '';
    storage.downloadFile = (key, local, opts = {}) =>
      download(key, local, {
        ...opts,
        onProgress: (p) => {
          opts.onProgress?.(p);
          if (taskId && p.bytes >= p.total / 2) void service.call('tasks.cancel', { taskId });
        },
      });
    const first = await service.call('artifacts.download', { itemId: big.id });
    taskId = first.taskId;
    const stopped = await finished(first.taskId);
    storage.downloadFile = download;
    taskId = '';
    expect(stopped.state).toBe('cancelled');
    // The partial is staged in DSTACK_HOME, not beside the target, where an artifact of that name could be.
    expect((await readdir(downloads)).filter((n) => n.startsWith('big.bin'))).toEqual([]);
    const journal = JSON.parse(await readFile(stagedPaths(join(home, 'staging'), join(downloads, 'big.bin')).journal, 'utf8')) as { parts: object };
    const part = Object.keys(journal.parts).length * LOCAL_PART_SIZE;
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(BIG);

    const second = await service.call('artifacts.download', { itemId: big.id });
    expect((await finished(second.taskId)).state).toBe('done');
    const firstFigure = progress.find((p) => p.taskId === second.taskId && p.bytes > 0)!;
    expect(firstFigure.bytes).toBeGreaterThanOrEqual(part);
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const got = await readFile(join(downloads, 'big.bin'));
    const runs = await service.ctx.runs();
    const job = await runs.get((await service.ctx.projects.resolve(projectId)).repo, runName);
    const stored = await runs.backend.storage.get(keys.artifact(job.repo, job.id, 'out/big.bin'));
    expect(got.length).toBe(BIG);
    expect(hash(got)).toBe(hash(stored!));
  });

  it('puts a folder in Downloads only when whole, and resumes it without fetching its finished files again', async () => {
    const storage = (await service.ctx.runs()).backend.storage;
    const download = storage.downloadFile.bind(storage);
    const fetched: string[] = [];
    const completed: string[] = [];
    let taskId = '';
    storage.downloadFile = async (key, local, opts = {}) => {
      const name = key.slice(key.indexOf('out/'));
      fetched.push(name);
      // Files move several at once: the user cancels once the others are in, as the last one is about to start.
      if (taskId && name === 'out/sub/d.txt') {
        await waitFor('the two other files to complete before cancelling', () => [...completed], (c) => c.length >= 2, { everyMs: 5 });
        await service.call('tasks.cancel', { taskId });
      }
      await download(key, local, opts);
      completed.push(name);
    };
    try {
      const first = await service.call('artifacts.download', { itemId: (await entry('', 'out')).id });
      taskId = first.taskId;
      expect((await finished(first.taskId)).state).toBe('cancelled');
      expect(completed.sort()).toEqual(['out/big.bin', 'out/s.txt']);
      await expect(stat(join(downloads, 'out'))).rejects.toThrow();
      expect((await stat(join(downloads, 'out.partial', 'big.bin'))).size).toBe(BIG);

      taskId = '';
      fetched.length = 0;
      const second = await service.call('artifacts.download', { itemId: (await entry('', 'out')).id });
      expect((await finished(second.taskId)).state).toBe('done');
      expect(fetched).toEqual(['out/sub/d.txt']);
      expect(await readFile(join(downloads, 'out', 'sub', 'd.txt'), 'utf8')).toBe('deeper');
      expect(await readFile(join(downloads, 'out', 's.txt'), 'utf8')).toBe('small');
      expect((await stat(join(downloads, 'out', 'big.bin'))).size).toBe(BIG);
      await expect(stat(join(downloads, 'out.partial'))).rejects.toThrow();
    } finally {
      storage.downloadFile = download;
    }
  });
});
