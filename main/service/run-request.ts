/**
 * Turning the UI's RunRequest into core calls. The offer (instance type and
 * $/hour, shown before launch) needs a job spec without storing a job, so it
 * builds a provisional one from the workflow with the overrides applied.
 */
import type { RunRequest } from '../common/api/operations';
import type { InstanceOffer, Job } from '../common/job';
import type { SubmitOptions } from '../core/runs';
import { applyOverrides } from '../core/overrides';
import { findWorkflow, loadWorkflows, toJobSpec } from '../core/workflow';
import type { ServiceContext } from './context';

/** What the offer would be for this request; undefined where there is no choice (local). */
export async function offerFor(ctx: ServiceContext, req: RunRequest): Promise<InstanceOffer | undefined> {
  const { root, repo } = await ctx.projects.resolve(req.projectId);
  const runs = await ctx.runs();
  const wf = findWorkflow(await loadWorkflows(root), req.workflow);
  const spec = toJobSpec(wf, { name: 'offer', args: req.args });
  const now = Date.now();
  const job: Job = {
    ...spec,
    resources: applyOverrides(spec.resources, req.overrides),
    id: `offer,${spec.workflowName},0`,
    runName: 'offer',
    repo,
    backend: runs.backend.name,
    status: 'submitted',
    submittedAt: now,
    updatedAt: now,
    args: req.args,
    deps: [],
    code: { key: '', hash: '', files: 0, bytes: 0 },
    secretNames: [],
  };
  return runs.backend.compute.offer(job);
}

/** The submit options for a request. */
export function submitRequest(req: RunRequest): SubmitOptions {
  return {
    args: req.args,
    ...(req.tag ? { tag: req.tag } : {}),
    ...(req.backend ? { backend: req.backend } : {}),
    ...(req.overrides ? { overrides: req.overrides } : {}),
  };
}
