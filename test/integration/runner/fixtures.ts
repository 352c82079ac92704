// A project and a local backend in temp folders, with runners run in this
// process: the backend's launch starts a no-op program, and the test calls
// the runner itself, so it can watch and steer it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../../main/common/job';
import type { LogEvent } from '../../../main/core/backend';
import { createLocalBackend } from '../../../main/backends/local/index';
import type { LocalBackend } from '../../../main/backends/local/index';
import { openProject } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { SubmitOptions } from '../../../main/core/runs';
import type { RunnerOptions } from '../../../main/runner/run-job';
import { startRunner } from '../../../main/runner/run-job';

export interface Harness {
  dir: string;
  project: string;
  repo: string;
  backend: LocalBackend;
  service: RunService;
  /** Submits a workflow and starts its runner in this process. */
  start(workflow: string, opts?: SubmitOptions & RunnerOptions): Promise<{ job: Job; handle: ReturnType<typeof startRunner> }>;
  run(workflow: string, opts?: SubmitOptions & RunnerOptions): Promise<Job>;
  lines(job: Job): Promise<LogEvent[]>;
  cleanup(): Promise<void>;
}

export async function harness(workflowsYaml: string): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-runner-'));
  const project = join(dir, 'proj');
  await mkdir(join(project, '.dstack'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows.yaml'), workflowsYaml);
  const backend = createLocalBackend(
    { type: 'local', home: join(dir, 'home') },
    { runner: () => ({ command: process.execPath, args: ['-e', '', '--'], env: {} }) },
  );
  const service = new RunService(backend);
  const { repo } = await openProject(project);
  const start = async (workflow: string, opts: SubmitOptions & RunnerOptions = {}) => {
    const job = await service.submit(project, workflow, opts);
    const handle = startRunner(backend, repo, job.id, { workRoot: join(dir, 'work'), graceMs: 500, pollMs: 50, ...opts });
    return { job, handle };
  };
  return {
    dir,
    project,
    repo,
    backend,
    service,
    start,
    run: async (workflow, opts) => (await start(workflow, opts)).handle.done,
    lines: async (job) => {
      const out: LogEvent[] = [];
      for await (const batch of backend.logs.read(job)) out.push(...batch);
      return out;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
