/**
 * Waiting for a local home's runners to end before a test removes the home.
 * A runner outlives the `dstack run` that started it and may still write
 * (its lock, its closing line) after the run reads as ended; removing the
 * folder under it then races those writes ("ENOTEMPTY" from rm), and on a
 * mounted home a write after the unmount lands in the folder underneath.
 */
import { isRunnerAlive } from '../../main/backends/local/process-alive';
import { localPaths } from '../../main/backends/local/paths';
import { PidFiles } from '../../main/backends/local/pid-files';
import { waitFor } from './wait';

/** Job ids of runners under `home` that are still alive. */
export async function liveRunners(home: string): Promise<string[]> {
  const pids = new PidFiles(localPaths(home).runners);
  const live: string[] = [];
  for (const jobId of await pids.jobIds()) {
    const pid = await pids.read(jobId);
    if (pid !== undefined && (await isRunnerAlive(pid, jobId))) live.push(jobId);
  }
  return live;
}

/** Waits until no runner under `home` is alive, or fails naming the ones still running. */
export async function runnersEnded(home: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(`the runners under ${home} to exit`, () => liveRunners(home), (live) => live.length === 0, { timeoutMs, everyMs: 100 });
}
