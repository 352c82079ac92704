/**
 * Submitting a workflow: parse it, name the run, resolve deps and secrets,
 * snapshot the code, store the job as `submitted` and launch a runner. Every
 * check that can fail happens before the job is stored, so a bad submit
 * leaves nothing behind.
 */
import { NotFoundError } from '../common/errors';
import type { BackendName, CodeRef, Job, JobSpec, ResolvedDep, ResourceOverrides } from '../common/job';
import { jobIdOf } from '../common/job';
import type { Backend } from './backend';
import { resolveDeps } from './deps';
import { ConflictError } from './errors';
import type { JobStore } from './jobs';
import { applyOverrides } from './overrides';
import { openProject } from './project';
import { storeSnapshot } from './snapshot';
import type { TagStore } from './tags';
import { assertTagName } from './tags';

export interface SubmitOptions {
  args?: string[];
  /** Tag the run's artifacts with this name once it is done. */
  tag?: string;
  /** The backend the caller expects; a mismatch with the service's backend is an error. */
  backend?: BackendName;
  maxDurationSec?: number;
  /** This run's cpu, memory, gpu or spot instead of the workflow's. */
  overrides?: ResourceOverrides;
  /**
   * A run whose code is not the folder's own: a team hub submits a member's
   * upload under its project's repo, with `projectDir` holding only the
   * uploaded workflow files, and stores the uploaded snapshot itself.
   */
  source?: { repo: string; storeCode: () => Promise<CodeRef> };
}

/** Secrets the job gets: every secret of the repo; a name the workflow references must exist. */
async function secretNamesFor(backend: Backend, repo: string, referenced: readonly string[]): Promise<string[]> {
  const stored = await backend.secrets.list(repo);
  const missing = referenced.filter((n) => !stored.includes(n));
  if (missing.length) {
    throw new NotFoundError(`Secret ${missing.join(', ')} is not set for this project.`, `Add it: dstack secrets add ${missing[0]}`);
  }
  return [...stored].sort();
}

export async function submitRun(
  backend: Backend,
  jobs: JobStore,
  tags: TagStore,
  projectDir: string,
  workflowName: string,
  opts: SubmitOptions = {},
): Promise<Job> {
  if (opts.backend && opts.backend !== backend.name) {
    throw new ConflictError(`This service runs on the ${backend.name} backend, not ${opts.backend}.`);
  }
  const { root, repo } = opts.source ? { root: projectDir, repo: opts.source.repo } : await openProject(projectDir);
  // The parser (and its YAML library) loads only for a submit, so `ps` or `logs` start faster.
  const { findWorkflow, loadWorkflows, toJobSpec } = await import('./workflow');
  const wf = findWorkflow(await loadWorkflows(root), workflowName);
  if (opts.tag) {
    assertTagName(opts.tag);
    if (await tags.find(repo, opts.tag)) throw new ConflictError(`Tag ${opts.tag} is already in use.`, `Pick another name or run \`dstack tags delete ${opts.tag}\`.`);
  }
  const deps = await resolveDeps(jobs, tags, repo, wf.deps, wf.depSources);
  const secretNames = await secretNamesFor(backend, repo, wf.secretNames);
  const runName = await jobs.claimRunName(repo);
  let job: Job;
  try {
    job = await buildJob(backend, repo, root, runName, (run) => toJobSpec(wf, run), { ...opts, deps, secretNames });
  } catch (err) {
    await jobs.releaseRunName(repo, runName).catch(() => undefined);
    throw err;
  }
  await jobs.create(job);
  try {
    await backend.compute.launch(job);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    await jobs.setStatus(repo, job.id, 'failed', { statusReason: `Launch failed: ${reason}`, finishedAt: Date.now() });
    throw err;
  }
  return (await jobs.get(repo, job.id)) ?? job;
}

/** The job to store for a run that has claimed `runName`: its spec, code snapshot and offer. */
async function buildJob(
  backend: Backend,
  repo: string,
  root: string,
  runName: string,
  toJobSpec: (opts: { name: string; args: string[] }) => JobSpec,
  opts: SubmitOptions & { deps: ResolvedDep[]; secretNames: string[] },
): Promise<Job> {
  const { deps, secretNames } = opts;
  const args = opts.args ?? [];
  const parsed = toJobSpec({ name: runName, args });
  const spec = { ...parsed, resources: applyOverrides(parsed.resources, opts.overrides) };
  const code = opts.source ? await opts.source.storeCode() : await storeSnapshot(backend.storage, repo, root);
  const now = Date.now();
  const job: Job = {
    ...spec,
    id: jobIdOf(runName, spec.workflowName),
    runName,
    repo,
    backend: backend.name,
    status: 'submitted',
    submittedAt: now,
    updatedAt: now,
    args,
    deps,
    code: { key: code.key, hash: code.hash, files: code.files, bytes: code.bytes, ...(code.git ? { git: code.git } : {}) },
    secretNames,
    ...(opts.tag ? { tag: opts.tag } : {}),
    ...(opts.maxDurationSec ? { maxDurationSec: opts.maxDurationSec } : {}),
  };
  const offer = await backend.compute.offer(job);
  if (offer) job.offer = offer;
  return job;
}
