/**
 * Dependency resolution at submit time: a `{workflow}` dep becomes that
 * workflow's latest `done` run, a `{tag}` dep the run the tag names. The job
 * record keeps the resolved job ids, so a later run of the dep's workflow
 * never changes what an already-submitted job reads.
 */
import { DstackError, NotFoundError } from '../common/errors';
import type { DepSpec, ResolvedDep } from '../common/job';
import type { JobStore } from './jobs';
import type { TagStore } from './tags';

/** A job id is `{run},{workflow},{index}`. */
export function workflowOfJobId(jobId: string): string {
  return jobId.split(',')[1] ?? '';
}

async function resolveOne(jobs: JobStore, tags: TagStore, repo: string, spec: DepSpec): Promise<ResolvedDep> {
  let jobId: string;
  if ('tag' in spec) {
    jobId = (await tags.require(repo, spec.tag)).jobId;
  } else {
    const head = (await jobs.heads(repo)).find((h) => h.status === 'done' && workflowOfJobId(h.jobId) === spec.workflow);
    if (!head) {
      throw new NotFoundError(
        `No done run of workflow ${spec.workflow} to depend on.`,
        `Run \`dstack run ${spec.workflow}\` first, or depend on a tag.`,
      );
    }
    jobId = head.jobId;
  }
  const job = await jobs.get(repo, jobId);
  if (!job) {
    const what = 'tag' in spec ? `tag ${spec.tag}` : `workflow ${spec.workflow}`;
    throw new DstackError('not_found', `The run behind ${what} (${jobId}) no longer exists.`);
  }
  return { spec, jobId, runName: job.runName, artifacts: job.artifacts.map((a) => a.path) };
}

export async function resolveDeps(jobs: JobStore, tags: TagStore, repo: string, specs: readonly DepSpec[]): Promise<ResolvedDep[]> {
  const out: ResolvedDep[] = [];
  for (const spec of specs) out.push(await resolveOne(jobs, tags, repo, spec));
  return out;
}
