/**
 * From a workflow to what a job runs: picking the workflow by name, and
 * substituting the run's name and arguments. Secrets stay as `${{ secrets.X }}`
 * in the job spec, which is stored; the runner substitutes them at the last
 * moment with {@link interpolateSecrets}.
 */
import { NotFoundError } from '../../common/errors';
import type { JobSpec } from '../../common/job';
import { interpolateRun } from './expressions';
import { WorkflowError } from './issues';
import { closest } from './suggest';
import type { Workflow, WorkflowSet } from './types';

/**
 * The workflow named `name`. Refuses a set with any issue, even in another
 * workflow: the user sees every mistake before anything runs.
 */
/**
 * The workflow named `name`, ready to run. A broken file blocks only its own
 * workflows: one whose file has issues is refused with that file's issues,
 * and every workflow of a clean file runs. A name found nowhere, while some
 * file is broken, may be in that file, so those issues are what is shown.
 */
export function findWorkflow(set: WorkflowSet, name: string): Workflow {
  const wf = set.workflows.find((w) => w.name === name);
  const own = wf ? set.issues.filter((i) => i.file === wf.source.file) : set.issues;
  if (own.length) throw new WorkflowError(own);
  if (wf) return wf;
  const names = set.workflows.map((w) => w.name);
  const guess = closest(name, names);
  throw new NotFoundError(
    `No workflow is named "${name}".`,
    guess ? `Did you mean "${guess}"?` : names.length ? `Workflows: ${names.join(', ')}.` : 'Add one to .dstack/workflows.yaml.',
  );
}

/** The job spec for one run of `wf`, with `${{ run.name }}` and `${{ run.args }}` substituted. */
export function toJobSpec(wf: Workflow, run: { name: string; args: string[] }): JobSpec {
  const sub = (s: string) => interpolateRun(s, run);
  const spec: JobSpec = {
    workflowName: wf.name,
    provider: wf.provider,
    commands: wf.commands.map(sub),
    env: Object.fromEntries(Object.entries(wf.env).map(([k, v]) => [k, sub(v)])),
    artifacts: wf.artifacts.map((a) => ({ ...a })),
    cache: [...wf.cache],
    ports: wf.ports,
    resources: { ...wf.resources, ...(wf.resources.gpu && { gpu: { ...wf.resources.gpu } }) },
  };
  if (wf.image !== undefined) spec.image = sub(wf.image);
  if (wf.python !== undefined) spec.python = wf.python;
  if (wf.entrypoint !== undefined) spec.entrypoint = sub(wf.entrypoint);
  if (wf.workingDir !== undefined) spec.workingDir = sub(wf.workingDir);
  return spec;
}
