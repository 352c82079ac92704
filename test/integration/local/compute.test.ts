import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCompute } from '../../../main/backends/local/compute';
import { localPaths } from '../../../main/backends/local/paths';
import { DstackError } from '../../../main/common/errors';
import type { Job } from '../../../main/common/job';
import { runFixture } from './fixtures/run';
import { waitFor } from '../../helpers/wait';

let home: string;
const started: number[] = [];
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-compute-'));
});
afterEach(async () => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await rm(home, { recursive: true, force: true });
});

const job = { repo: 'acme/app', id: 'quiet-lynx-7,train,0', runName: 'quiet-lynx-7' } as Job;

/** Waits with the shared deadline poll, which says what it saw last when it gives up. */
async function until(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  await waitFor(what, check, (ok) => ok, { timeoutMs: ms });
}

describe('LocalCompute', () => {
  it('has no instance offer: a local job runs on this machine', async () => {
    expect(await new LocalCompute({ type: 'local', home }, localPaths(home).runners).offer(job)).toBeUndefined();
  });

  it('starts a detached runner that outlives the client that launched it, and can nudge and find it', async () => {
    // The client gets its own process group, so killing the group kills the client as a crash would.
    const client = runFixture('launch-and-wait.ts', [home, job.repo, job.id], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(client.pid!);
    const [line] = (await once(client.stdout!, 'data')) as [Buffer];
    expect(line.toString()).toBe('launched\n');
    const paths = localPaths(home);
    const pid = Number(await readFile(join(paths.runners, `${job.id}.pid`), 'utf8'));
    started.push(pid);
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(client.pid);

    process.kill(-client.pid!, 'SIGKILL');
    await once(client, 'close');

    const compute = new LocalCompute({ type: 'local', home }, paths.runners);
    expect(await compute.isAlive(job)).toBe(true);
    const runnerLog = join(paths.runners, `${job.id}.log`);
    await until(async () => (await readFile(runnerLog, 'utf8')).includes('started'), 'the runner to start');
    const args = JSON.parse((await readFile(runnerLog, 'utf8')).split('\n')[0]!.slice('started '.length)) as string[];
    expect(args).toEqual(['--config', JSON.stringify({ type: 'local', home }), '--repo', 'acme/app', '--job', 'quiet-lynx-7,train,0']);

    await compute.signal(job, false);
    await until(async () => (await readFile(runnerLog, 'utf8')).includes('got SIGUSR1'), 'the runner to get SIGUSR1');

    process.kill(pid, 'SIGTERM');
    await until(async () => !(await compute.isAlive(job)), 'the runner to be seen dead');
    await compute.reconcile();
    await expect(readFile(join(paths.runners, `${job.id}.pid`))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await compute.isAlive(job)).toBe(false);
  });

  it('does not mistake another live process that got the same pid for the runner', async () => {
    const compute = new LocalCompute({ type: 'local', home }, localPaths(home).runners);
    // This test process is alive but is not the job's runner.
    await compute.pids.write(job.id, process.pid);
    expect(await compute.isAlive(job)).toBe(process.platform !== 'linux');
    expect(await compute.isAlive({ ...job, id: 'never-launched,x,0' })).toBe(false);
  });

  it('keeps pid files of live runners when reconciling', async () => {
    const compute = new LocalCompute({ type: 'local', home }, localPaths(home).runners, {
      runner: () => ({ command: process.execPath, args: [join(import.meta.dirname, 'fixtures', 'fake-runner.mjs')], env: {} }),
    });
    await compute.launch(job);
    const pid = Number(await readFile(compute.pids.pidPath(job.id), 'utf8'));
    started.push(pid);
    await compute.pids.write('dead-run-1,w,0', 2 ** 22 + 12345);
    await compute.reconcile();
    expect(await compute.pids.jobIds()).toEqual([job.id]);
    expect(await compute.isAlive(job)).toBe(true);
  });

  it('reports a runner that cannot start, pointing at its output', async () => {
    const compute = new LocalCompute({ type: 'local', home }, localPaths(home).runners, {
      runner: () => ({ command: join(home, 'no-such-program'), args: [], env: {} }),
    });
    const err = await compute.launch(job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DstackError);
    expect((err as DstackError).message).toMatch(/^Could not start the runner for quiet-lynx-7: spawn .*no-such-program ENOENT\.$/);
    expect(await compute.isAlive(job)).toBe(false);
  });
});
