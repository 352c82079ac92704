// One damaged job record must not break `ps` for every run: it shows as
// unreadable with its file, every other run lists as before, and `rm`
// removes it. Records are written as files in the real local storage.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../main/common/job';
import { createLocalBackend } from '../../../main/backends/local/index';
import { JobStore } from '../../../main/core/jobs';
import { keys } from '../../../main/core/keys';
import { openProject } from '../../../main/core/project';
import { fakeJob } from '../../unit/core/fixtures';
import type { Cli } from './cli';
import { helloProject } from './cli';
import { TEST_WORKFLOWS } from './workflows';

let cli: Cli;
let cleanup: () => Promise<void>;
let storageRoot: string;
let repo: string;
beforeAll(async () => {
  let dir: string;
  ({ cli, dir, cleanup } = await helloProject(TEST_WORKFLOWS));
  repo = (await openProject(cli.cwd)).repo;
  const backend = createLocalBackend({ type: 'local', home: join(dir, 'home') });
  storageRoot = backend.storage.root;
  const jobs = new JobStore(backend.storage);
  const stored = async (runName: string, at: number): Promise<Job> => {
    const job = { ...fakeJob(runName, at), repo };
    await jobs.create(job);
    await jobs.setStatus(repo, job.id, 'failed', { statusReason: 'test', finishedAt: at + 1 });
    return job;
  };
  await stored('good-owl-1', 1_000);
  await stored('good-owl-2', 5_000);
  const truncated = JSON.stringify(await stored('cut-owl-1', 4_000), null, 2);
  await backend.storage.put(keys.jobRecord(repo, 'cut-owl-1,train,0'), truncated.slice(0, truncated.length / 2));
  await stored('list-owl-1', 3_000);
  await backend.storage.put(keys.jobRecord(repo, 'list-owl-1,train,0'), '[]');
  await stored('empty-owl-1', 2_000);
  await backend.storage.put(keys.jobRecord(repo, 'empty-owl-1,train,0'), '{}');
});
afterAll(() => cleanup());

const lineOf = (out: string, run: string) => out.split('\n').find((l) => l.startsWith(`${run} `)) ?? `(no line for ${run} in:\n${out})`;

describe('unreadable job records (CLI)', () => {
  it('ps -a lists the good runs and names each bad record with its file', async () => {
    const out = await cli.ok(['ps', '-a']);
    for (const good of ['good-owl-1', 'good-owl-2']) expect(lineOf(out, good)).toMatch(new RegExp(`^${good} +train +failed .* test$`));
    for (const [bad, problem] of [['cut-owl-1', 'not valid JSON'], ['list-owl-1', 'not a job record'], ['empty-owl-1', 'field "id"']] as const) {
      const line = lineOf(out, bad);
      expect(line).toMatch(new RegExp(`^${bad} +train +unreadable `));
      expect(line).toContain(join(storageRoot, 'jobs', repo, `${bad},train,0.json`));
      expect(line).toContain(problem);
    }
  });

  it('names the file in one line when a command needs the record, and rm removes the run', async () => {
    const logs = await cli.run(['logs', 'list-owl-1']);
    expect(logs.code).toBe(1);
    expect(logs.stderr.trim().split('\n')).toEqual([expect.stringMatching(/run list-owl-1 is unreadable .*list-owl-1,train,0\.json.*dstack rm list-owl-1/)]);
    expect(await cli.ok(['rm', 'list-owl-1'])).toBe('Removed list-owl-1.\n');
    const out = await cli.ok(['ps', '-a']);
    expect(out).not.toContain('list-owl-1');
    expect(lineOf(out, 'good-owl-2')).toMatch(/failed/);
    expect((await readdir(join(storageRoot, 'jobs', repo))).filter((f) => f.startsWith('list-owl-1'))).toEqual([]);
  });
});
