/**
 * Reading a stored job record. Records come from storage that other
 * programs, crashes and people can change, so each one is checked before
 * use: one bad file must fail only its own run, with its key, and never
 * `ps` for every run (a `[]` or `{}` used to end in "Cannot read properties
 * of undefined"). The schema checks what the code relies on and lets fields
 * it does not know through, so records of other versions still read.
 */
import { DstackError } from '../common/errors';
import type { BackendName, Job, RunSummary } from '../common/job';
import { runNameOfJobId } from '../common/job';
import type { JobHead } from './keys';

/** A job record that is there but cannot be used: not JSON, or not a job. `dstack rm` removes its run. */
export class UnreadableJobError extends DstackError {
  constructor(
    readonly key: string,
    /** Where a person finds the record: its file, or its S3 URL. */
    readonly where: string,
    readonly problem: string,
    cause?: unknown,
  ) {
    const run = runNameOfJobId(key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, ''));
    super('verification', `The record of run ${run} is unreadable (${where}): ${problem}.`, {
      fix: `Remove the run with \`dstack rm ${run}\`, or restore the file from a backup.`,
      cause,
    });
    this.name = 'UnreadableJobError';
  }
}

/**
 * Parses and checks the record stored at `key` for job `jobId`; throws
 * UnreadableJobError saying what is wrong, and `where` the record is. The
 * schema (and zod with it) loads on the first record read, so a command that
 * reads none (`dstack ps` lists from head keys) never compiles it.
 */
export async function parseJobRecord(key: string, jobId: string, body: Buffer, where = key): Promise<Job> {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new UnreadableJobError(key, where, body.length === 0 ? 'it is empty' : 'it is not valid JSON (cut off?)', err);
  }
  const parsed = (await import('./job-schema')).jobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new UnreadableJobError(key, where, field ? `field "${field}": ${issue.message}` : `it is not a job record (${issue.message})`);
  }
  const job = parsed.data as unknown as Job;
  if (job.id !== jobId) {
    throw new UnreadableJobError(key, where, `it holds job "${job.id}", not "${jobId}"`);
  }
  return job;
}

/**
 * What `ps` and the runs list show for a run whose record is unreadable:
 * what its head key says (name, workflow, status, time) and where the
 * record is, so the run can be found and removed.
 */
export function unreadableSummary(head: JobHead, repo: string, backend: BackendName, err: UnreadableJobError): RunSummary {
  return {
    runName: runNameOfJobId(head.jobId),
    workflowName: head.jobId.split(',')[1] ?? '',
    jobId: head.jobId,
    repo,
    backend,
    status: head.status,
    submittedAt: head.submittedAt,
    unreadable: { where: err.where, problem: err.problem },
  };
}
