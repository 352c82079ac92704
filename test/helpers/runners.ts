/**
 * Waiting for a local home's runners to end before a test removes the home.
 * A runner outlives the `dstack run` that started it and may still write
 * (its lock, its closing line) after the run reads as ended; removing the
 * folder under it then races those writes ("ENOTEMPTY" from rm), and on a
 * mounted home a write after the unmount lands in the folder underneath.
 * Runners are found by their command line, which names the home in its
 * `--config`, so one whose pid file was never written is found too.
 */
import { readdir, readFile } from 'node:fs/promises';
import { waitFor } from './wait';

/** Pids of live processes whose command line holds every one of `words` (Linux /proc). */
export async function processesNaming(...words: string[]): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (argv && words.every((w) => argv.includes(w))) found.push(pid);
  }
  return found;
}

/** Pids of the runners (or any process started for a job) configured with `home`. */
export function liveRunners(home: string): Promise<number[]> {
  return processesNaming('--job', JSON.stringify(home));
}

/** Waits until no runner of `home` is alive, or fails naming the pids still running. */
export async function runnersEnded(home: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(`the runners of ${home} to exit`, () => liveRunners(home), (live) => live.length === 0, { timeoutMs, everyMs: 100 });
}

/**
 * A test's cleanup: gives the runners of `home` a moment to finish what they
 * write, then kills those still running (a test that failed half-way leaves
 * its long job's runner behind), each runner's process group at once (its
 * watchdog then ends the job's group), and waits until they are gone.
 */
export async function endRunners(home: string, graceMs = 15_000): Promise<void> {
  const finished = await runnersEnded(home, graceMs).then(() => true, () => false);
  if (finished) return;
  for (const pid of await liveRunners(home)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  await runnersEnded(home, 30_000);
}
