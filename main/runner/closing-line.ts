/**
 * The last line of every job's log: how the job ended, in words, so a log
 * read on its own (saved to a file, or `dstack logs` of an old run) says
 * whether the job succeeded and why not, without the runs list beside it.
 */
import type { Job } from '../common/job';
import type { JobStatus } from '../common/status';

function took(job: Pick<Job, 'startedAt' | 'submittedAt'>, finishedAt: number): string {
  const sec = Math.max(0, Math.round((finishedAt - (job.startedAt ?? job.submittedAt)) / 1000));
  return sec < 60 ? `${sec} s` : `${Math.floor(sec / 60)} min ${sec % 60} s`;
}

/** The closing line for a job that reached the terminal status `to`. */
export function closingLine(to: JobStatus, job: Pick<Job, 'startedAt' | 'submittedAt' | 'exitCode' | 'statusReason'>, finishedAt = Date.now()): string {
  const code = job.exitCode !== undefined ? ` (exit code ${job.exitCode})` : '';
  const why = job.statusReason ? `: ${job.statusReason}` : '.';
  switch (to) {
    case 'done':
      return `Job done in ${took(job, finishedAt)}.`;
    case 'failed':
      return `Job failed after ${took(job, finishedAt)}${code}${why}`;
    case 'stopped':
      return `Job stopped after ${took(job, finishedAt)}${code}${why}`;
    case 'aborted':
      return `Job aborted after ${took(job, finishedAt)}${why}`;
    default:
      return `Job ended: ${to}${why}`;
  }
}
