/**
 * Whether a runner process is alive. `kill(pid, 0)` alone is fooled by a
 * zombie and by a pid the OS has since given to another program, so where
 * /proc exists (Linux) the process must also not be a zombie and its command
 * line must name the job.
 */
import { readFile } from 'node:fs/promises';

/** Reads a /proc file; tests pass their own to hit the narrow races below. */
export type ProcReader = (path: string) => Promise<string>;

const readProc: ProcReader = (path) => readFile(path, 'utf8');

/**
 * Errors that mean the process is gone: ENOENT once it is reaped, and ESRCH
 * when it is reaped between the open and the read of its /proc file (the
 * kernel answers a read of an opened file of a vanished task that way; a
 * killed runner's parent reaps it at any moment).
 */
const GONE = new Set(['ENOENT', 'ESRCH']);

async function procCheck(pid: number, jobId: string, read: ProcReader): Promise<boolean | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = await read(`/proc/${pid}/stat`);
    // The state follows the parenthesised command name, which may itself hold spaces or ")".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const argv = (await read(`/proc/${pid}/cmdline`)).split('\0');
    return argv.includes(jobId);
  } catch (err) {
    return GONE.has((err as NodeJS.ErrnoException).code ?? '') ? false : undefined;
  }
}

export async function isRunnerAlive(pid: number, jobId: string, read: ProcReader = readProc): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return (await procCheck(pid, jobId, read)) ?? true;
}
