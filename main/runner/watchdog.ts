/**
 * A watchdog for the job's process group. The job's commands run in a
 * process group of their own, which a runner killed with SIGKILL can no
 * longer end: its processes would run on, reparented to PID 1, until some
 * client reconciles. So beside the job the runner starts a tiny `sh` loop
 * that checks once a second that the runner is alive, and ends the group as
 * soon as it is not. A POSIX shell, not Node: one small process per job.
 *
 * Pid reuse: the loop also exits as soon as the group is gone (the job
 * ended), so it only ever signals a group it saw alive a second before; the
 * kernel does not give a live group's id to a new process.
 */
import { spawn } from 'node:child_process';

const SCRIPT = [
  'runner=$1; group=$2',
  'while kill -s 0 "$runner" 2>/dev/null; do',
  '  kill -s 0 -- "-$group" 2>/dev/null || exit 0',
  '  sleep 1',
  'done',
  'kill -s KILL -- "-$group" 2>/dev/null',
  'exit 0',
].join('\n');

/**
 * Starts watching `pgid` on behalf of this process; returns the function
 * that stops the watchdog (call it once the group has ended). A no-op where
 * there are no process groups (Windows).
 */
export function watchJobGroup(pgid: number): () => void {
  if (process.platform === 'win32') return () => undefined;
  const dog = spawn('sh', ['-c', SCRIPT, 'dstack-job-watchdog', String(process.pid), String(pgid)], { detached: true, stdio: 'ignore' });
  // Without a shell the job still runs; only the crash cleanup is left to reconcile.
  dog.on('error', () => undefined);
  dog.unref();
  return () => {
    try {
      if (dog.pid) process.kill(-dog.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
}
