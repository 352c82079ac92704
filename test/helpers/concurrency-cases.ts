/**
 * Concurrent writers on one job store, held to the same answers on every
 * storage: parallel submits each get a run of their own under a unique name,
 * and status writers racing on one job (a runner, a stop, a reconcile)
 * never make it vanish from the heads `ps` lists, and leave it in one
 * legal state. Real storage (local files or s3rver); only the runner launch
 * is left out, because 50 runner processes would measure the machine, not
 * the store.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Job } from '../../main/common/job';
import { runNameOfJobId } from '../../main/common/job';
import type { JobStatus } from '../../main/common/status';
import { isTerminal } from '../../main/common/status';
import type { Backend } from '../../main/core/backend';
import { JobStore } from '../../main/core/jobs';
import { keys, parseJobHead } from '../../main/core/keys';
import { openProject } from '../../main/core/project';
import { RunService } from '../../main/core/runs';
import { jobRecord } from './job-record';

const WORKFLOW = `workflows:
  - name: train
    provider: bash
    commands:
      - echo hi
`;

/** The backend as given, except that launching a run starts nothing. */
function withoutRunners(backend: Backend): Backend {
  return Object.assign(Object.create(backend) as Backend, {
    compute: Object.assign(Object.create(backend.compute) as Backend['compute'], { launch: async () => undefined }),
  });
}

/** Defines the cases; `backend` is called inside each test, after the suite's setup has run. */
export function concurrencyCases(backend: () => Backend): void {
  let project: string;
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'dstack-concurrent-'));
    await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
    await writeFile(join(project, '.dstack', 'workflows', 'train.yaml'), WORKFLOW);
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it('gives 50 concurrent submits 50 runs with 50 unique names, all listed', async () => {
    const service = new RunService(withoutRunners(backend()));
    const { repo } = await openProject(project);
    // Every submit draws the same word pair, as two of them did when both were told `odd-hawk-1`.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.6);
    let submitted: Job[];
    try {
      submitted = await Promise.all(Array.from({ length: 50 }, () => service.submit(project, 'train')));
    } finally {
      random.mockRestore();
    }
    const names = submitted.map((j) => j.runName);
    expect(new Set(names).size).toBe(50);
    const listed = await service.list(repo, { all: true });
    expect(listed.map((r) => r.runName).sort()).toEqual([...names].sort());
  }, 180_000);

  it('never loses a job from the heads while status writers race, and ends in one legal state', async () => {
    const storage = backend().storage;
    const jobs = new JobStore(storage);
    const repo = 'race-0123abcd';
    const problems: string[] = [];
    for (let round = 0; round < 8; round++) {
      const job = jobRecord({ repo, runName: `race-round-${round + 1}` });
      await jobs.create(job);
      // Each writer moves the job along its own path and gives up where another writer has made its next step illegal.
      const path = async (steps: JobStatus[]) => {
        for (const s of steps) {
          try {
            await jobs.setStatus(repo, job.id, s);
          } catch (err) {
            if ((err as { code?: string }).code === 'illegal_transition') return;
            problems.push(`round ${round}: ${s}: ${(err as Error).message}`);
            return;
          }
        }
      };
      let writing = true;
      const watch = (async () => {
        while (writing) {
          const seen = (await jobs.heads(repo, `${job.id};`)).map((h) => h.jobId);
          if (!seen.includes(job.id)) {
            problems.push(`round ${round}: ${runNameOfJobId(job.id)} went missing from the heads`);
            break;
          }
        }
      })();
      await Promise.all([
        path(['downloading', 'running', 'uploading', 'done']),
        path(['stopping', 'stopped']),
        path(['running', 'stopping', 'uploading', 'stopped']),
        path(['failed']),
      ]);
      writing = false;
      await watch;
      const record = await jobs.get(repo, job.id);
      const heads: string[] = [];
      for (const o of (await storage.list(`${keys.jobHeadPrefix(repo)}${job.id};`)).objects) heads.push(parseJobHead(o.key)!.status);
      if (!record || !isTerminal(record.status) || heads.length !== 1 || heads[0] !== record.status) {
        problems.push(`round ${round}: record ${record?.status ?? 'missing'}, heads [${heads.join(', ')}]`);
      }
    }
    expect(problems).toEqual([]);
  }, 180_000);
}
