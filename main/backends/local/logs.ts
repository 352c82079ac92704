/**
 * Job logs for the local backend: one JSON-lines file per job under
 * `{home}/local/logs/{repo}/{jobId}.jsonl`. The runner appends through
 * {@link LocalLogSink}; any client on this machine reads or follows the same
 * file through {@link readLog}, so `dstack logs -f` works from a CLI that
 * did not start the job.
 */
import { rm } from 'node:fs/promises';
import type { LogEvent, LogReadOptions, Logs, LogSink } from '../../core/backend';
import type { Job } from '../../common/job';
import { logPath } from './log-file';
import { readLog } from './log-reader';
import { LocalLogSink } from './log-sink';

export class LocalLogs implements Logs {
  /** @param root the folder of all job logs, `{home}/local/logs`. */
  constructor(readonly root: string) {}

  /** The log file of a job; exposed for diagnostics ("see the full log at …"). */
  pathOf(job: Pick<Job, 'repo' | 'id'>): string {
    return logPath(this.root, job.repo, job.id);
  }

  open(job: Job): Promise<LogSink> {
    return LocalLogSink.open(this.pathOf(job));
  }

  read(job: Job, opts?: LogReadOptions): AsyncIterable<LogEvent[]> {
    return readLog(this.pathOf(job), opts);
  }

  async delete(job: Job): Promise<void> {
    await rm(this.pathOf(job), { force: true });
  }
}
