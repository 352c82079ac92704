/**
 * The Docker executor's command line, built as data so it can be tested
 * without a Docker engine. Environment values never appear on it: `-e NAME`
 * makes `docker` read each value from its own environment, so secrets stay
 * out of `ps` output. Nor is the job's script: it is a private file mounted
 * read-only and run by the shell, since in argv (`sh -c <script>`) it showed
 * in `ps` and a long one failed with E2BIG.
 */
import { execFile } from 'node:child_process';
import { DstackError } from '../common/errors';
import type { Job } from '../common/job';

/** Where the work dir is mounted inside the container. */
export const CONTAINER_WORKDIR = '/workflow';
/** Where the job's script file is mounted inside the container, outside the work dir so no artifact path picks it up. */
export const CONTAINER_SCRIPT = '/dstack/commands.sh';

export interface DockerRunInput {
  job: Job;
  workdir: string;
  envNames: string[];
  ports: number[];
  containerName: string;
  /** The host file holding the job's commands (0600, in the job's private staging folder); run unless the job has an entrypoint. */
  scriptFile: string;
}

/** The image a job runs in: its own, or a Python image for the bash provider. */
export function imageOf(job: Job): string {
  return job.image ?? `python:${job.python ?? '3.11'}-slim`;
}

/** Arguments for `docker` (after the program name) that run the job. */
export function dockerRunArgs({ job, workdir, envNames, ports, containerName, scriptFile }: DockerRunInput): string[] {
  const wd = job.workingDir ? `${CONTAINER_WORKDIR}/${job.workingDir}` : CONTAINER_WORKDIR;
  const args = ['run', '--rm', '--name', containerName, '-v', `${workdir}:${CONTAINER_WORKDIR}`];
  const script = job.commands.join('\n');
  const viaFile = Boolean(script) && !job.entrypoint;
  if (viaFile) args.push('-v', `${scriptFile}:${CONTAINER_SCRIPT}:ro`);
  args.push('-w', wd);
  for (const name of envNames) args.push('-e', name);
  if (job.resources.gpu && job.resources.gpu.count > 0) args.push('--gpus', 'all');
  if (job.resources.shmSizeMiB) args.push('--shm-size', `${job.resources.shmSizeMiB}m`);
  for (const p of ports) args.push('-p', `${p}:${p}`);
  if (job.entrypoint) {
    const [program, ...rest] = job.entrypoint.trim().split(/\s+/);
    args.push('--entrypoint', program ?? '', imageOf(job), ...rest);
    if (script) args.push(script);
  } else if (viaFile) {
    const shell = job.provider === 'bash' ? 'bash' : '/bin/sh';
    args.push('--entrypoint', shell, imageOf(job), '-e', CONTAINER_SCRIPT);
  } else {
    args.push(imageOf(job));
  }
  return args;
}

/** Fails with one line when no Docker engine answers; a job with an image cannot run without one. */
export async function assertDockerReachable(job: Job): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 }, (err) => resolve(!err));
  });
  if (!ok) {
    throw new DstackError('unavailable', `Docker is not reachable: workflow ${job.workflowName} needs it to run image ${imageOf(job)}.`, {
      fix: 'Start Docker, or use provider: bash without image to run as a local process.',
    });
  }
}
