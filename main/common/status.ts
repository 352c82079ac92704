/**
 * The job state machine, as in dstack. Only the transitions listed here are
 * legal; every status write goes through {@link assertTransition}, so a
 * stale writer can never move a finished job back to running.
 */
import { DstackError } from './errors';

export const JOB_STATUSES = [
  'submitted',
  'downloading',
  'running',
  'uploading',
  'stopping',
  'stopped',
  'aborted',
  'failed',
  'done',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['stopped', 'aborted', 'failed', 'done']);

const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  submitted: ['downloading', 'running', 'stopping', 'stopped', 'aborted', 'failed'],
  downloading: ['running', 'stopping', 'aborted', 'failed'],
  running: ['uploading', 'stopping', 'aborted', 'failed'],
  // A graceful stop still uploads artifacts, so stopping may pass through uploading.
  stopping: ['uploading', 'stopped', 'aborted', 'failed'],
  uploading: ['done', 'stopped', 'aborted', 'failed'],
  stopped: [],
  aborted: [],
  failed: [],
  done: [],
};

/**
 * Rank grows along every legal transition. Listing uses it to pick the newest
 * of two status heads seen during a non-atomic head swap.
 */
const RANK: Record<JobStatus, number> = {
  submitted: 0,
  downloading: 1,
  running: 2,
  stopping: 3,
  uploading: 4,
  stopped: 5,
  aborted: 5,
  failed: 5,
  done: 5,
};

export function isTerminal(s: JobStatus): boolean {
  return TERMINAL_STATUSES.has(s);
}

export function isJobStatus(s: string): s is JobStatus {
  return (JOB_STATUSES as readonly string[]).includes(s);
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function statusRank(s: JobStatus): number {
  return RANK[s];
}

/** Throws a typed error naming both statuses when a transition is illegal. */
export function assertTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) {
    throw new DstackError('illegal_transition', `A job cannot go from ${from} to ${to}.`);
  }
}
