// RunService over the real local backend. Jobs are stored directly in the
// states under test; submitting and running jobs is covered with real
// runners in test/integration/runner.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../main/common/job';
import type { JobStatus } from '../../../main/common/status';
import { keys } from '../../../main/core/keys';
import { resolveDeps } from '../../../main/core/deps';
import { RunService } from '../../../main/core/runs';
import { createLocalBackend } from '../../../main/backends/local/index';
import { fakeJob, REPO, tempDir } from './fixtures';

let service: RunService;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  service = new RunService(createLocalBackend({ type: 'local', home: dir }));
});
afterEach(() => cleanup());

const PATH: Record<JobStatus, JobStatus[]> = {
  submitted: [],
  downloading: ['downloading'],
  running: ['downloading', 'running'],
  uploading: ['downloading', 'running', 'uploading'],
  stopping: ['downloading', 'running', 'stopping'],
  stopped: ['downloading', 'running', 'stopping', 'stopped'],
  aborted: ['aborted'],
  failed: ['failed'],
  done: ['downloading', 'running', 'uploading', 'done'],
};

async function stored(runName: string, status: JobStatus, opts: { workflow?: string; at?: number; artifacts?: string[] } = {}): Promise<Job> {
  const job = { ...fakeJob(runName, opts.at ?? Date.now()), workflowName: opts.workflow ?? 'train' };
  job.id = `${runName},${job.workflowName},0`;
  job.artifacts = [{ path: 'output', mount: false }];
  await service.jobs.create(job);
  for (const s of PATH[status]) await service.jobs.setStatus(REPO, job.id, s);
  for (const a of opts.artifacts ?? []) await service.backend.storage.put(keys.artifact(REPO, job.id, a), `content of ${a}`);
  return (await service.jobs.get(REPO, job.id)) as Job;
}

describe('RunService', () => {
  it('lists unfinished runs and the latest by default, every run with all', async () => {
    await stored('calm-owl-1', 'done', { at: 1 });
    await stored('calm-owl-2', 'running', { at: 2 });
    await stored('calm-owl-3', 'failed', { at: 3 });
    expect((await service.list(REPO)).map((r) => r.runName)).toEqual(['calm-owl-3', 'calm-owl-2']);
    expect((await service.list(REPO, { all: true })).map((r) => [r.runName, r.status])).toEqual([
      ['calm-owl-3', 'failed'],
      ['calm-owl-2', 'running'],
      ['calm-owl-1', 'done'],
    ]);
  });

  it('names an unknown run in its error', async () => {
    await expect(service.get(REPO, 'no-such-1')).rejects.toThrow('Run no-such-1 does not exist.');
  });

  it('ends a job whose runner is gone: stop → stopped, abort → aborted', async () => {
    await stored('calm-owl-1', 'running');
    await stored('calm-owl-2', 'running');
    expect((await service.stop(REPO, 'calm-owl-1')).status).toBe('stopped');
    expect((await service.stop(REPO, 'calm-owl-2', { abort: true })).status).toBe('aborted');
    expect(await service.backend.storage.get(keys.stopRequest(REPO, 'calm-owl-2,train,0'))).toBeDefined();
  });

  it('reports the end a runner wrote while the stop was on its way, instead of failing on it', async () => {
    // The runner reads the stop request, ends the job and exits between the stop's read and its liveness check.
    const ends: Record<string, JobStatus[]> = { 'calm-owl-1': ['aborted'], 'calm-owl-2': ['stopping', 'stopped'], 'calm-owl-3': ['uploading', 'done'] };
    for (const name of Object.keys(ends)) await stored(name, 'running');
    service.backend.compute.isAlive = async (job) => {
      for (const s of ends[job.runName]!) await service.jobs.setStatus(REPO, job.id, s);
      return false;
    };
    expect((await service.stop(REPO, 'calm-owl-1', { abort: true })).status).toBe('aborted');
    expect((await service.stop(REPO, 'calm-owl-2')).status).toBe('stopped');
    expect((await service.stop(REPO, 'calm-owl-3', { abort: true })).status).toBe('done');
  });

  it('marks failed an old unfinished job whose runner is gone, and leaves a young one alone', async () => {
    await stored('calm-owl-1', 'running', { at: Date.now() - 60_000 });
    await stored('calm-owl-2', 'submitted');
    expect((await service.reconcile(REPO)).map((r) => [r.runName, r.status, r.statusReason])).toEqual([
      ['calm-owl-1', 'failed', 'The runner exited without finishing the job.'],
    ]);
    expect((await service.get(REPO, 'calm-owl-2')).status).toBe('submitted');
  });

  it('removes only finished, untagged runs, with their artifacts', async () => {
    await stored('calm-owl-1', 'running');
    await expect(service.remove(REPO, 'calm-owl-1')).rejects.toThrow('Run calm-owl-1 is running; only a finished run can be removed.');
    const done = await stored('calm-owl-2', 'done', { artifacts: ['output/a.txt'] });
    await service.addTag(REPO, 'v1', 'calm-owl-2');
    await expect(service.remove(REPO, 'calm-owl-2')).rejects.toThrow('Run calm-owl-2 is tagged v1.');
    await service.deleteTag(REPO, 'v1');
    await service.remove(REPO, 'calm-owl-2');
    await expect(service.get(REPO, 'calm-owl-2')).rejects.toThrow('does not exist');
    expect((await service.backend.storage.list(keys.artifactsPrefix(REPO, done.id))).objects).toEqual([]);
  });

  it('tags only a done or stopped run that has artifacts, and reads artifacts through :TAG', async () => {
    await stored('calm-owl-1', 'failed');
    await expect(service.addTag(REPO, 'v1', 'calm-owl-1')).rejects.toThrow('only a done or stopped run can be tagged');
    await stored('calm-owl-2', 'done');
    await expect(service.addTag(REPO, 'v1', 'calm-owl-2')).rejects.toThrow('Run calm-owl-2 has no artifacts to tag.');
    await stored('calm-owl-3', 'stopped', { artifacts: ['output/model.bin'] });
    await service.addTag(REPO, 'v1', 'calm-owl-3');
    await expect(service.addTag(REPO, 'v1', 'calm-owl-3')).rejects.toThrow('Tag v1 already names run calm-owl-3.');
    expect(await service.listTags(REPO)).toEqual([{ tag: 'v1', runName: 'calm-owl-3', jobId: 'calm-owl-3,train,0' }]);
    const page = await service.listArtifacts(REPO, ':v1', 'output');
    expect(page.entries).toEqual([{ path: 'output/model.bin', name: 'model.bin', isDir: false, size: 27 }]);
  });

  it('resolves a workflow dep to its latest done run, and a tag to its run', async () => {
    await stored('calm-owl-1', 'done', { workflow: 'prep', at: 1 });
    await stored('calm-owl-2', 'done', { workflow: 'prep', at: 2, artifacts: ['output/x'] });
    await stored('calm-owl-3', 'failed', { workflow: 'prep', at: 3 });
    await service.addTag(REPO, 'gold', 'calm-owl-2');
    const deps = await resolveDeps(service.jobs, service.tagStore, REPO, [{ workflow: 'prep' }, { tag: 'gold' }]);
    expect(deps.map((d) => [d.runName, d.artifacts])).toEqual([
      ['calm-owl-2', ['output']],
      ['calm-owl-2', ['output']],
    ]);
    await expect(resolveDeps(service.jobs, service.tagStore, REPO, [{ workflow: 'train' }])).rejects.toThrow(
      'No done run of workflow train to depend on.',
    );
    await expect(resolveDeps(service.jobs, service.tagStore, REPO, [{ tag: 'nope' }])).rejects.toThrow('Tag "nope" does not exist.');
  });

  it('lists artifacts a folder at a time and copies a file or a folder', async () => {
    await stored('calm-owl-1', 'done', { artifacts: ['output/a.txt', 'output/sub/b.txt', 'top.txt'] });
    const top = await service.listArtifacts(REPO, 'calm-owl-1');
    expect(top.entries.map((e) => [e.path, e.isDir])).toEqual([
      ['output/', true],
      ['top.txt', false],
    ]);
    const dst = join(dir, 'dl');
    expect(await service.copyArtifacts(REPO, 'calm-owl-1', 'output', dst)).toEqual({ files: 2, bytes: 50 });
    expect(await readFile(join(dst, 'sub', 'b.txt'), 'utf8')).toBe('content of output/sub/b.txt');
    await mkdir(join(dir, 'one'));
    await service.copyArtifacts(REPO, 'calm-owl-1', 'output/a.txt', join(dir, 'one'));
    expect(await readFile(join(dir, 'one', 'a.txt'), 'utf8')).toBe('content of output/a.txt');
    await expect(service.copyArtifacts(REPO, 'calm-owl-1', 'missing', dst)).rejects.toThrow('No artifact missing in this run.');
  });

  it('refuses a secret name that is not an environment variable name', async () => {
    await expect(service.addSecret(REPO, '1BAD', 'x')).rejects.toThrow('Invalid secret name "1BAD".');
  });
});
