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
import type { DepSource } from './workflow/types';

/** A job id is `{run},{workflow},{index}`. */
export function workflowOfJobId(jobId: string): string {
  return jobId.split(',')[1] ?? '';
}

/** A message about a dep, after `file:line:col: field: ` when the workflow said where the dep is declared (as workflow issues read). */
function about(where: DepSource | undefined, text: string): string {
  return where ? `${where.file}:${where.line}:${where.column}: ${where.field}: ${text}` : text.charAt(0).toUpperCase() + text.slice(1);
}

async function resolveOne(jobs: JobStore, tags: TagStore, repo: string, spec: DepSpec, where?: DepSource): Promise<ResolvedDep> {
  let jobId: string;
  if ('tag' in spec) {
    const tag = await tags.find(repo, spec.tag);
    if (!tag) {
      throw new NotFoundError(
        about(where, `tag "${spec.tag}" does not exist.`),
        `Tag a done run with \`dstack tags add ${spec.tag} RUN\` (\`dstack tags list\` shows the tags), or change the dep.`,
      );
    }
    jobId = tag.jobId;
  } else {
    const head = (await jobs.heads(repo)).find((h) => h.status === 'done' && workflowOfJobId(h.jobId) === spec.workflow);
    if (!head) {
      throw new NotFoundError(
        about(where, `no done run of workflow ${spec.workflow} to depend on.`),
        `Run \`dstack run ${spec.workflow}\` first, or depend on a tag.`,
      );
    }
    jobId = head.jobId;
  }
  const job = await jobs.get(repo, jobId);
  if (!job) {
    const what = 'tag' in spec ? `tag ${spec.tag}` : `workflow ${spec.workflow}`;
    throw new DstackError('not_found', about(where, `the run behind ${what} (${jobId}) no longer exists.`));
  }
  return { spec, jobId, runName: job.runName, artifacts: job.artifacts.map((a) => a.path) };
}

/**
 * Resolves each dep in order. `sources` (a workflow's `depSources`, same
 * order) puts the file, line and field of a dep that cannot be resolved in
 * front of the message, so the user sees which line of which file to change.
 */
export async function resolveDeps(
  jobs: JobStore, tags: TagStore, repo: string, specs: readonly DepSpec[], sources: readonly DepSource[] = [],
): Promise<ResolvedDep[]> {
  const out: ResolvedDep[] = [];
  for (const [i, spec] of specs.entries()) out.push(await resolveOne(jobs, tags, repo, spec, sources[i]));
  return out;
}
