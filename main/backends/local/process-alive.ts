/**
 * Whether a runner process is alive. `kill(pid, 0)` alone is fooled by a
 * zombie and by a pid the OS has since given to another program, so where
 * /proc exists (Linux) the process must also not be a zombie and its command
 * line must name the job.
 */
import { readFile } from 'node:fs/promises';

async function procCheck(pid: number, jobId: string): Promise<boolean | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself hold spaces or ")".
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return argv.includes(jobId);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? false : undefined;
  }
}

export async function isRunnerAlive(pid: number, jobId: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return (await procCheck(pid, jobId)) ?? true;
}
