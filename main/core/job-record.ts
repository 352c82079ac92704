/**
 * Reading a stored job record. Records come from storage that other
 * programs, crashes and people can change, so each one is checked before
 * use: one bad file must fail only its own run, with its key, and never
 * `ps` for every run (a `[]` or `{}` used to end in "Cannot read properties
 * of undefined"). The schema checks what the code relies on and lets fields
 * it does not know through, so records of other versions still read.
 */
import { z } from 'zod';
import { DstackError } from '../common/errors';
import type { Job } from '../common/job';
import { runNameOfJobId } from '../common/job';
import { JOB_STATUSES } from '../common/status';

const strings = z.array(z.string());

const jobSchema = z.looseObject({
  id: z.string().min(1),
  runName: z.string().min(1),
  repo: z.string().min(1),
  backend: z.enum(['local', 'aws']),
  status: z.enum(JOB_STATUSES),
  submittedAt: z.number(),
  updatedAt: z.number(),
  workflowName: z.string().min(1),
  provider: z.enum(['bash', 'docker']),
  commands: strings,
  env: z.record(z.string(), z.string()),
  artifacts: z.array(z.looseObject({ path: z.string(), mount: z.boolean() })),
  cache: strings,
  ports: z.number(),
  resources: z.looseObject({ interruptible: z.boolean() }),
  args: strings,
  deps: z.array(z.looseObject({ jobId: z.string(), runName: z.string(), artifacts: strings })),
  code: z.looseObject({ key: z.string(), hash: z.string(), files: z.number(), bytes: z.number() }),
  secretNames: strings,
});

/** A job record that is there but cannot be used: not JSON, or not a job. `dstack rm` removes it. */
export class UnreadableJobError extends DstackError {
  constructor(
    readonly key: string,
    readonly problem: string,
    cause?: unknown,
  ) {
    super('verification', `The record of a run is unreadable (${key}): ${problem}.`, {
      fix: 'Remove the run with `dstack rm`, or restore the file from a backup.',
      cause,
    });
    this.name = 'UnreadableJobError';
  }
}

/** Parses and checks the record stored at `key` for job `jobId`; throws UnreadableJobError saying what is wrong. */
export function parseJobRecord(key: string, jobId: string, body: Buffer): Job {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new UnreadableJobError(key, body.length === 0 ? 'it is empty' : 'it is not valid JSON (cut off?)', err);
  }
  const parsed = jobSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new UnreadableJobError(key, field ? `field "${field}": ${issue.message}` : `it is not a job record (${issue.message})`);
  }
  const job = parsed.data as unknown as Job;
  if (job.id !== jobId || job.runName !== runNameOfJobId(jobId)) {
    throw new UnreadableJobError(key, `it holds job "${job.id}", not "${jobId}"`);
  }
  return job;
}
