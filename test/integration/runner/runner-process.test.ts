// The runner as its own process, started the way a backend starts it
// (here through the `dstack runner` alias), steered only through storage and
// SIGUSR1.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../main/common/job';
import { isTerminal } from '../../../main/common/status';
import { writeStopRequest } from '../../../main/core/stop-request';
import type { Harness } from './fixtures';
import { harness } from './fixtures';
import { waitFor } from '../../helpers/wait';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'main', 'cli', 'dstack.js');

let h: Harness;
beforeAll(async () => {
  h = await harness(`
workflows:
  - name: quick
    provider: bash
    commands:
      - echo from a runner process
  - name: forever
    provider: bash
    commands:
      - echo started
      - while true; do sleep 0.1; done
`);
});
afterAll(() => h.cleanup());

function startRunnerProcess(job: Job, env: Record<string, string> = {}) {
  const config = JSON.stringify({ type: 'local', home: join(h.dir, 'home') });
  const child = spawn(process.execPath, [BIN, 'runner', '--config', config, '--repo', job.repo, '--job', job.id], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((done) => child.on('close', (code) => done({ code, stderr })));
  return { child, exited };
}

describe('runner process', () => {
  it('runs a stored job to done and exits 0', async () => {
    const job = await h.service.submit(h.project, 'quick');
    const r = await startRunnerProcess(job).exited;
    expect(r).toEqual({ code: 0, stderr: '' });
    const end = await h.service.get(h.repo, job.runName);
    expect(end.status).toBe('done');
    expect((await h.lines(end)).filter((e) => e.stream === 'stdout').map((e) => e.text)).toEqual(['from a runner process']);
  });

  it('reads a stop request at once on SIGUSR1, without waiting for its poll', async () => {
    const job = await h.service.submit(h.project, 'forever');
    const p = startRunnerProcess(job, { DSTACK_STOP_POLL_MS: '600000', DSTACK_STOP_GRACE_MS: '1000' });
    await waitFor(`"started" in the log of ${job.id}`, async () => (await h.lines(job)).map((e) => e.text), (texts) => texts.includes('started'), { timeoutMs: 30_000 });
    await writeStopRequest(h.backend.storage, h.repo, job.id, false);
    p.child.kill('SIGUSR1');
    const end = await waitFor(`${job.runName} to end after the stop request`, () => h.service.get(h.repo, job.runName), (j) => isTerminal(j.status), { timeoutMs: 20_000 });
    expect(end.status).toBe('stopped');
    expect((await p.exited).code).toBe(0);
  });

  it('refuses to run a job twice, in one line', async () => {
    const job = await h.service.submit(h.project, 'quick');
    await startRunnerProcess(job).exited;
    const again = await startRunnerProcess(job).exited;
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`dstack runner: Job ${job.id} is already done; a runner runs a job once.\n`);
  });
});
