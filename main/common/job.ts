/**
 * The job record: everything a runner needs to execute one job, stored as
 * JSON in the backend's storage so that any client and any runner, local or
 * on EC2, sees the same thing. Plain data only: it crosses IPC and HTTP.
 */
import type { JobStatus } from './status';
import type { BackendName } from './backends';

export type { BackendName };
export type Provider = 'bash' | 'docker';

/** GPU request: a count, optionally a model name and per-GPU memory (MiB). */
export interface GpuRequest {
  count: number;
  name?: string;
  memoryMiB?: number;
}

export interface Resources {
  cpu?: number;
  memoryMiB?: number;
  gpu?: GpuRequest;
  shmSizeMiB?: number;
  interruptible: boolean;
}

/**
 * What a user may change about a workflow's resources for one run (the Run
 * form, `dstack run --cpu/--memory/--gpu/--spot`), without editing the file.
 */
export interface ResourceOverrides {
  cpu?: number;
  /** A size with its unit, as in the workflow file ("16GB"). */
  memory?: string;
  /** 0 removes the workflow's GPU request. */
  gpu?: number;
  /** true for spot, false for on-demand, absent for the workflow's `interruptible`. */
  spot?: boolean;
}

export interface ArtifactSpec {
  path: string;
  mount: boolean;
}

/** A dependency as written in the workflow. */
export type DepSpec = { workflow: string } | { tag: string };

/** A dependency resolved at submit time to the job whose artifacts it brings. */
export interface ResolvedDep {
  spec: DepSpec;
  jobId: string;
  runName: string;
  artifacts: string[];
}

/** The part of a job that comes from the workflow file, after interpolation. */
export interface JobSpec {
  workflowName: string;
  provider: Provider;
  commands: string[];
  image?: string;
  python?: string;
  entrypoint?: string;
  env: Record<string, string>;
  workingDir?: string;
  artifacts: ArtifactSpec[];
  cache: string[];
  ports: number;
  resources: Resources;
}

/** Where the project's code snapshot lives, and which git state it came from. */
export interface CodeRef {
  key: string;
  hash: string;
  files: number;
  bytes: number;
  git?: { commit: string; branch?: string; dirty: boolean };
}

/** The instance chosen for a cloud job, known before launch. */
export interface InstanceOffer {
  instanceType: string;
  pricePerHour: number;
  spot: boolean;
  region: string;
  cpu: number;
  memoryMiB: number;
  gpu?: { name: string; count: number; memoryMiB: number };
}

export interface Job extends JobSpec {
  id: string;
  runName: string;
  repo: string;
  backend: BackendName;
  status: JobStatus;
  statusReason?: string;
  exitCode?: number;
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  updatedAt: number;
  tag?: string;
  args: string[];
  deps: ResolvedDep[];
  code: CodeRef;
  secretNames: string[];
  maxDurationSec?: number;
  offer?: InstanceOffer;
  instanceId?: string;
  runnerPid?: number;
}

/** What `ps` and the runs list show: one line per run. */
export interface RunSummary {
  runName: string;
  workflowName: string;
  jobId: string;
  repo: string;
  backend: BackendName;
  status: JobStatus;
  statusReason?: string;
  submittedAt: number;
  finishedAt?: number;
  tag?: string;
  offer?: InstanceOffer;
  /** The details pane's facts: how the job ended, when it started, where it ran, which code and resources. */
  exitCode?: number;
  startedAt?: number;
  instanceId?: string;
  git?: CodeRef['git'];
  resources?: Resources;
  /**
   * Set when the run's record cannot be read (cut off, not JSON, not a job):
   * where it is and what is wrong. The run still lists, so it can be found
   * and removed; the other fields come from its status head.
   */
  unreadable?: { where: string; problem: string };
}

/** A job's id is `{run},{workflow},{index}`, as in dstack. */
export function jobIdOf(runName: string, workflowName: string, index = 0): string {
  return `${runName},${workflowName},${index}`;
}

export function runNameOfJobId(jobId: string): string {
  return jobId.split(',')[0] ?? jobId;
}
