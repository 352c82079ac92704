/**
 * The shape of a stored job record that the code relies on (see
 * job-record.ts, which loads this on first use). Fields it does not know
 * pass through, so records of other versions still read.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../common/backends';
import { JOB_STATUSES } from '../common/status';

const strings = z.array(z.string());

export const jobSchema = z.looseObject({
  id: z.string().min(1),
  runName: z.string().min(1),
  repo: z.string().min(1),
  backend: z.enum(BACKEND_NAMES),
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
