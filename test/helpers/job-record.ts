/**
 * A job record as submit stores it, for the tests and benches that write
 * runs straight into storage instead of submitting them: one bash step, no
 * code, arguments, secrets or resources asked. One place, so that a field the
 * Job type gains is added once for every fixture.
 */
import type { Job } from '../../main/common/job';

/** The run and project the record belongs to, and whatever else differs from the plain record. */
export type JobRecordFields = Partial<Job> & Pick<Job, 'runName' | 'repo'>;

/** A submitted job of `fields.runName`'s first workflow step; its id follows from the run and workflow names unless given, and its update time from its submit time. */
export function jobRecord(fields: JobRecordFields): Job {
  const workflowName = fields.workflowName ?? 'train';
  const submittedAt = fields.submittedAt ?? Date.now();
  return {
    id: `${fields.runName},${workflowName},0`,
    backend: 'local',
    status: 'submitted',
    submittedAt,
    updatedAt: submittedAt,
    workflowName,
    provider: 'bash',
    commands: ['true'],
    env: {},
    artifacts: [],
    cache: [],
    ports: 0,
    resources: { interruptible: false },
    args: [],
    deps: [],
    code: { key: 'code/x.tar.gz', hash: 'x', files: 0, bytes: 0 },
    secretNames: [],
    ...fields,
  };
}
