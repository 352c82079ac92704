/**
 * Runner pid files: `{home}/local/runners/{jobId}.pid`. They let any client
 * on this machine (a second CLI, the app after a restart) find a job's
 * runner, nudge it with a signal, and tell whether it is still alive.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../common/errors';
import { writeFileAtomically } from './atomic';

const SUFFIX = '.pid';

function fileName(jobId: string, ext: string): string {
  if (jobId.length === 0 || /[/\\\0]/.test(jobId) || jobId === '.' || jobId === '..') {
    throw new InvalidArgumentError(`The job id "${jobId}" cannot name a runner file.`);
  }
  return `${jobId}${ext}`;
}

export class PidFiles {
  constructor(readonly dir: string) {}

  pidPath(jobId: string): string {
    return join(this.dir, fileName(jobId, SUFFIX));
  }

  /** The runner's own stdout and stderr: where it reports what went wrong before the job log exists. */
  logPath(jobId: string): string {
    return join(this.dir, fileName(jobId, '.log'));
  }

  write(jobId: string, pid: number): Promise<void> {
    return writeFileAtomically(this.pidPath(jobId), `${pid}\n`);
  }

  async read(jobId: string): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(this.pidPath(jobId), 'utf8')).trim());
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  remove(jobId: string): Promise<void> {
    return rm(this.pidPath(jobId), { force: true });
  }

  /** Job ids that have a pid file. */
  async jobIds(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
