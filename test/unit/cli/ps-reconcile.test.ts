// `dstack ps` reconciles alongside its listing and never fails or stalls
// because of it: a failing cleanup prints one line on stderr, a hanging one
// is left behind after RECONCILE_TIMEOUT_MS. The backend is the real local
// one; only its cleanup is made to fail or hang, as an unreachable bucket or
// a missing permission would.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLocalBackend } from '../../../main/backends/local/index';
import { psCommand } from '../../../main/cli/commands/ps';
import { CliContext, RECONCILE_TIMEOUT_MS } from '../../../main/cli/context';
import type { Project } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import { fakeJob, REPO, tempDir } from '../core/fixtures';

let runs: RunService;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  runs = new RunService(createLocalBackend({ type: 'local', home: t.dir }));
  const job = fakeJob('calm-owl-1');
  await runs.jobs.create(job);
  await runs.jobs.setStatus(REPO, job.id, 'failed', { statusReason: 'Exit code 1.' });
});
afterEach(async () => {
  process.exitCode = undefined;
  await cleanup();
});

async function ps(): Promise<{ stdout: string; stderr: string; ms: number }> {
  class Ctx extends CliContext {
    override service(): Promise<RunService> {
      return Promise.resolve(runs);
    }
    override currentProject(): Promise<Project> {
      return Promise.resolve({ root: '/nowhere', repo: REPO });
    }
  }
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  const start = Date.now();
  try {
    await psCommand(new Ctx()).parseAsync([], { from: 'user' });
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  return { stdout: out.join('\n'), stderr: err.join(''), ms: Date.now() - start };
}

describe('ps and its reconcile pass', () => {
  it('lists the runs and says in one line that the cleanup failed', async () => {
    runs.backend.compute.reconcile = () => Promise.reject(new Error('EACCES: permission denied, scandir /x/local/runners'));
    const r = await ps();
    expect(r.stdout).toMatch(/^calm-owl-1\s+train\s+failed/m);
    expect(r.stderr).toBe('dstack: could not check for crashed runs and leftover instances: local leftovers: EACCES: permission denied, scandir /x/local/runners\n');
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('does not wait past its time limit for a cleanup that hangs', async () => {
    runs.backend.compute.reconcile = () => new Promise<void>(() => undefined);
    const r = await ps();
    expect(r.stdout).toMatch(/^calm-owl-1\s+train\s+failed/m);
    expect(r.stderr).toBe(`dstack: the check for crashed runs and leftover instances took over ${RECONCILE_TIMEOUT_MS / 1000} s; the next command tries again.\n`);
    expect(r.ms).toBeGreaterThanOrEqual(RECONCILE_TIMEOUT_MS - 50);
    expect(r.ms).toBeLessThan(RECONCILE_TIMEOUT_MS + 5000);
  });
});
