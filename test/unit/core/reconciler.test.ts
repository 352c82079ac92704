// The Reconciler's timer: a pass at start and every interval, never two at
// once, never keeping the process alive, and none after stop. The backend is
// the real local one; only its cleanup is held, as a slow bucket would hold it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalBackend } from '../../../main/backends/local/index';
import { Reconciler } from '../../../main/core/reconciler';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from './fixtures';

let runs: RunService;
let cleanup: () => Promise<void>;
let passes: number;
let gate: Promise<void>;
let release: () => void;
let reconciler: Reconciler | undefined;

/** Holds every pass in the backend's cleanup until `release` is called. */
function hold(): void {
  gate = new Promise((r) => (release = r));
}

beforeEach(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  runs = new RunService(createLocalBackend({ type: 'local', home: t.dir }));
  passes = 0;
  gate = Promise.resolve();
  release = () => undefined;
  runs.backend.compute.reconcile = async () => {
    passes++;
    await gate;
  };
});
afterEach(async () => {
  reconciler?.stop();
  await cleanup();
});

async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms (passes: ${passes})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('Reconciler', () => {
  it('passes at start and on its interval, with an unref\'d timer, and fails a dead runner\'s run', async () => {
    const job = fakeJob('calm-owl-1', Date.now() - 60_000);
    await runs.jobs.create(job);
    await runs.jobs.setStatus(REPO, job.id, 'downloading');
    await runs.jobs.setStatus(REPO, job.id, 'running');
    const fixed: string[] = [];
    const before = timers();
    reconciler = new Reconciler(async () => runs, async () => [REPO], { everyMs: 20, onFixed: (f) => fixed.push(...f.map((r) => r.runName)) });
    reconciler.start();
    expect(timers(), 'ref\'d timers after start').toBe(before);
    await until('three passes', () => passes >= 3);
    expect(fixed).toEqual(['calm-owl-1']);
    expect((await runs.get(REPO, 'calm-owl-1')).statusReason).toBe('The runner exited without finishing the job.');
  });

  it('never overlaps a slow pass, and starts none after stop', async () => {
    hold();
    reconciler = new Reconciler(async () => runs, async () => [], { everyMs: 5 });
    reconciler.start();
    await until('the first pass', () => passes === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(passes, 'passes while the first is held').toBe(1);
    release();
    await until('the next pass', () => passes >= 2);
    reconciler.stop();
    const atStop = passes;
    release();
    await new Promise((r) => setTimeout(r, 100));
    expect(passes).toBeLessThanOrEqual(atStop + 1);
    const settled = passes;
    await new Promise((r) => setTimeout(r, 100));
    expect(passes).toBe(settled);
  });

  it('reports a pass that could not get a backend, and goes on', async () => {
    const errors: string[][] = [];
    let attempts = 0;
    reconciler = new Reconciler(
      async () => {
        attempts++;
        if (attempts === 1) throw new Error('config.yaml: backend aws needs bucket and region.');
        return runs;
      },
      async () => [],
      { everyMs: 10, onError: (e) => errors.push(e) },
    );
    reconciler.start();
    await until('a pass after the failed one', () => passes >= 1);
    expect(errors).toEqual([['config.yaml: backend aws needs bucket and region.']]);
  });
});
