/**
 * Turning the UI's RunRequest into core calls. The offer (instance type and
 * $/hour, shown before launch) needs a job spec without storing a job, so it
 * builds a provisional one from the workflow with the overrides applied.
 */
import { InvalidArgumentError } from '../common/errors';
import type { RunRequest } from '../common/api/operations';
import type { InstanceOffer, Job, Resources } from '../common/job';
import type { SubmitOptions } from '../core/runs';
import { parseMemory } from '../core/workflow/memory';
import { findWorkflow, loadWorkflows, toJobSpec } from '../core/workflow';
import type { ServiceContext } from './context';

/** The workflow's resources with the Run dialog's overrides on top. */
export function applyOverrides(resources: Resources, o: RunRequest['overrides']): Resources {
  if (!o) return resources;
  const out = { ...resources };
  if (o.cpu !== undefined) out.cpu = o.cpu;
  if (o.memory !== undefined) {
    const mib = parseMemory(o.memory);
    if (mib === undefined) throw new InvalidArgumentError(`Invalid memory "${o.memory}".`, 'Write a size such as 16GB.');
    out.memoryMiB = mib;
  }
  if (o.gpu !== undefined) out.gpu = o.gpu > 0 ? { ...out.gpu, count: o.gpu } : undefined;
  if (o.spot !== undefined) out.interruptible = o.spot;
  return out;
}

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
  const o = req.overrides;
  if (o && Object.values(o).some((v) => v !== undefined)) {
    // Core's submit takes resources from the workflow file only, so an override would be silently ignored.
    throw new InvalidArgumentError('Resource overrides cannot be applied to a run yet.', 'Set cpu, memory, gpu or spot in the workflow file.');
  }
  return { args: req.args, ...(req.tag ? { tag: req.tag } : {}), ...(req.backend ? { backend: req.backend } : {}) };
}
