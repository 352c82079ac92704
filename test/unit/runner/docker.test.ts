import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../main/common/job';
import { assertDockerReachable, dockerRunArgs } from '../../../main/runner/docker';

function job(over: Partial<Job>): Job {
  return {
    id: 'calm-owl-1,train,0', runName: 'calm-owl-1', repo: 'r', backend: 'aws', status: 'running', submittedAt: 0, updatedAt: 0,
    args: [], deps: [], code: { key: 'k', hash: 'h', files: 0, bytes: 0 }, secretNames: ['TOKEN'], workflowName: 'train',
    provider: 'docker', commands: ['python train.py', 'echo ok'], image: 'pytorch/pytorch:2.1', env: { A: '1' }, artifacts: [], cache: [],
    ports: 0, resources: { interruptible: false }, ...over,
  };
}

describe('docker command line', () => {
  it('mounts the work dir, passes env by name only, and runs the commands in the image', () => {
    const args = dockerRunArgs({
      job: job({ workingDir: 'src', resources: { interruptible: false, gpu: { count: 2 }, shmSizeMiB: 8192 } }),
      workdir: '/tmp/w',
      envNames: ['A', 'TOKEN', 'PORT_0'],
      ports: [8080],
      containerName: 'dstack-x',
      scriptFile: '/tmp/w.code/commands.sh',
    });
    expect(args).toEqual([
      'run', '--rm', '--name', 'dstack-x', '-v', '/tmp/w:/workflow', '-v', '/tmp/w.code/commands.sh:/dstack/commands.sh:ro', '-w', '/workflow/src',
      '-e', 'A', '-e', 'TOKEN', '-e', 'PORT_0',
      '--gpus', 'all', '--shm-size', '8192m', '-p', '8080:8080',
      '--entrypoint', '/bin/sh', 'pytorch/pytorch:2.1', '-e', '/dstack/commands.sh',
    ]);
  });

  it('keeps a 3 MiB script off the command line: it is the mounted file', () => {
    const commands = Array.from({ length: 30_000 }, (_, i) => `echo ${i} ${'x'.repeat(100)}`);
    const args = dockerRunArgs({ job: job({ commands }), workdir: '/w', envNames: [], ports: [], containerName: 'c', scriptFile: '/w.code/commands.sh' });
    expect(args.join(' ').length, args.join(' ')).toBeLessThan(300);
    expect(args.slice(-4)).toEqual(['/bin/sh', 'pytorch/pytorch:2.1', '-e', '/dstack/commands.sh']);
  });

  it('uses the workflow entrypoint, and a Python image for the bash provider', () => {
    const base = { workdir: '/w', envNames: [], ports: [], containerName: 'c', scriptFile: '/w.code/commands.sh' };
    expect(dockerRunArgs({ ...base, job: job({ entrypoint: 'python -u', commands: ['x.py'] }) }).slice(-5)).toEqual([
      '--entrypoint', 'python', 'pytorch/pytorch:2.1', '-u', 'x.py',
    ]);
    const bash = dockerRunArgs({ ...base, job: job({ provider: 'bash', image: undefined, python: '3.10', commands: ['echo hi'] }) });
    expect(bash.slice(-4)).toEqual(['bash', 'python:3.10-slim', '-e', '/dstack/commands.sh']);
    expect(bash).not.toContain('--gpus');
  });

  it('fails with one line naming the image when no Docker engine answers', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'dstack-nodocker-'));
    const path = process.env.PATH;
    try {
      // A `docker` client that cannot reach an engine, as on a laptop with Docker stopped.
      await writeFile(join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n');
      await chmod(join(bin, 'docker'), 0o755);
      process.env.PATH = `${bin}:${path}`;
      await expect(assertDockerReachable(job({}))).rejects.toThrow(
        'Docker is not reachable: workflow train needs it to run image pytorch/pytorch:2.1.',
      );
    } finally {
      process.env.PATH = path;
      await rm(bin, { recursive: true, force: true });
    }
  });
});
