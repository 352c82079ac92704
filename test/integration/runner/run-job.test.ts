// The runner, in this process, over the real local backend: real bash
// processes, real files, real log files.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../main/core/keys';
import { writeStopRequest } from '../../../main/core/stop-request';
import type { Harness } from './fixtures';
import { harness } from './fixtures';
import { waitFor } from '../../helpers/wait';

const WORKFLOWS = `
workflows:
  - name: hello
    provider: bash
    commands:
      - echo "Hello, world"
      - echo "to stderr" >&2
      - mkdir -p output
      - echo "made by \${{ run.name }}" > output/hello.txt
    artifacts:
      - path: output
  - name: reader
    provider: bash
    deps:
      - workflow: hello
    commands:
      - cat output/hello.txt
  - name: exit3
    provider: bash
    commands:
      - echo before
      - exit 3
      - echo never
  - name: no-artifact
    provider: bash
    commands:
      - echo nothing made
    artifacts:
      - path: model
  - name: graceful
    provider: bash
    commands:
      - mkdir -p output
      - trap 'echo saved > output/state.txt; exit 0' TERM
      - echo started
      - while true; do sleep 0.1; done
    artifacts:
      - path: output
  - name: stubborn
    provider: bash
    commands:
      - mkdir -p output && echo partial > output/p.txt
      - trap '' TERM
      - echo started
      - sleep 30
    artifacts:
      - path: output
  - name: cached
    provider: bash
    commands:
      - mkdir -p cache
      - echo x >> cache/count.txt
      - echo "runs=$(wc -l < cache/count.txt)"
    cache:
      - path: cache
  - name: ports
    provider: bash
    ports: 2
    env:
      - GREETING=hi
    working_dir: sub
    commands:
      - echo "$GREETING $PORT_0 $PORT_1 $(basename "$PWD")"
  - name: in-docker
    provider: docker
    image: ubuntu:22.04
    commands:
      - echo hi
  - name: flood
    provider: bash
    commands:
      - head -c 100000000 /dev/zero | tr '\\\\0' x | fold -w 1000
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
  await writeFile(join(h.project, '.gitignore'), '');
  await mkdir(join(h.project, 'sub'));
  await writeFile(join(h.project, 'sub', 'keep.txt'), '');
});
afterAll(() => h.cleanup());

describe('runner', () => {
  it('runs the commands, streams stdout and stderr, stores artifacts, then writes done', async () => {
    const statuses: string[] = [];
    const put = h.backend.storage.put.bind(h.backend.storage);
    h.backend.storage.put = async (key, body) => {
      if (key.startsWith(keys.jobHeadPrefix(h.repo))) statuses.push(key.split(';')[2] ?? '');
      return put(key, body);
    };
    const job = await h.run('hello').finally(() => (h.backend.storage.put = put));
    expect(job.status).toBe('done');
    expect(job.exitCode).toBe(0);
    expect(statuses).toEqual(['submitted', 'downloading', 'running', 'uploading', 'done']);
    const lines = (await h.lines(job)).filter((e) => e.stream !== 'system');
    expect(lines.map((e) => [e.stream, e.text])).toEqual([
      ['stdout', 'Hello, world'],
      ['stderr', 'to stderr'],
    ]);
    const body = await h.backend.storage.get(keys.artifact(h.repo, job.id, 'output/hello.txt'));
    expect(body?.toString()).toBe(`made by ${job.runName}\n`);
  });

  it('places a dep\'s artifacts in the tree before the commands start', async () => {
    const hello = await h.run('hello');
    const job = await h.run('reader');
    expect(job.deps.map((d) => d.runName)).toEqual([hello.runName]);
    expect((await h.lines(job)).filter((e) => e.stream === 'stdout').map((e) => e.text)).toEqual([`made by ${hello.runName}`]);
  });

  it('fails with the exit code of the first failing command', async () => {
    const job = await h.run('exit3');
    expect([job.status, job.exitCode, job.statusReason]).toEqual(['failed', 3, 'Exit code 3.']);
    expect((await h.lines(job)).map((e) => e.text)).not.toContain('never');
  });

  it('never writes done when an artifact is missing', async () => {
    const job = await h.run('no-artifact');
    expect(job.status).toBe('failed');
    expect(job.statusReason).toBe('Artifact path model was not created by the job. Check the artifacts paths in the workflow.');
  });

  it('stops gracefully on a stop request: SIGTERM, then the artifacts, then stopped', async () => {
    const { job, handle } = await h.start('graceful');
    await waitForLine(h, job, 'started');
    await writeStopRequest(h.backend.storage, h.repo, job.id, false);
    const end = await handle.done;
    expect([end.status, end.statusReason]).toEqual(['stopped', 'Stopped by request.']);
    expect((await h.backend.storage.get(keys.artifact(h.repo, job.id, 'output/state.txt')))?.toString()).toBe('saved\n');
  });

  it('kills a job that ignores SIGTERM after the grace period, and still keeps its artifacts', async () => {
    const { job, handle } = await h.start('stubborn', { graceMs: 300 });
    await waitForLine(h, job, 'started');
    const t0 = Date.now();
    await writeStopRequest(h.backend.storage, h.repo, job.id, false);
    const end = await handle.done;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect([end.status, end.exitCode]).toEqual(['stopped', 137]);
    expect(await h.backend.storage.head(keys.artifact(h.repo, job.id, 'output/p.txt'))).toBeDefined();
  });

  it('aborts at once and keeps no artifacts', async () => {
    const { job, handle } = await h.start('stubborn', { graceMs: 60_000 });
    await waitForLine(h, job, 'started');
    await writeStopRequest(h.backend.storage, h.repo, job.id, true);
    const end = await handle.done;
    expect(end.status).toBe('aborted');
    expect((await h.backend.storage.list(keys.artifactsPrefix(h.repo, job.id))).objects).toEqual([]);
  });

  it('stops a job that outlives its max duration', async () => {
    const end = await h.run('stubborn', { maxDurationSec: 1, graceMs: 100 });
    expect([end.status, end.statusReason]).toEqual(['stopped', 'Max duration of 1 s exceeded.']);
  });

  it('keeps cache paths between runs of a workflow', async () => {
    const first = await h.run('cached');
    const second = await h.run('cached');
    const text = async (j: typeof first) => (await h.lines(j)).filter((e) => e.stream === 'stdout').map((e) => e.text);
    expect(await text(first)).toEqual(['runs=1']);
    expect(await text(second)).toEqual(['runs=2']);
  });

  it('gives the job its env, PORT_0… and working_dir', async () => {
    const job = await h.run('ports');
    const [line] = (await h.lines(job)).filter((e) => e.stream === 'stdout').map((e) => e.text);
    expect(line).toMatch(/^hi \d+ \d+ sub$/);
    const [, p0, p1] = (line ?? '').split(' ');
    expect(p0).not.toBe(p1);
  });

  it('fails a docker job with one clear line when no Docker engine answers', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'dstack-nodocker-'));
    const path = process.env.PATH;
    await writeFile(join(bin, 'docker'), '#!/bin/sh\nexit 1\n');
    await chmod(join(bin, 'docker'), 0o755);
    process.env.PATH = `${bin}:${path}`;
    try {
      const job = await h.run('in-docker');
      expect(job.status).toBe('failed');
      expect(job.statusReason).toBe(
        'Docker is not reachable: workflow in-docker needs it to run image ubuntu:22.04. Start Docker, or use provider: bash without image to run as a local process.',
      );
    } finally {
      process.env.PATH = path;
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('streams 100 MB of output without holding it in memory', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const probe = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const job = await h.run('flood').finally(() => clearInterval(probe));
    expect(job.status).toBe('done');
    let lines = 0;
    let bytes = 0;
    for await (const batch of h.backend.logs.read(job)) {
      for (const e of batch) {
        if (e.stream !== 'stdout') continue;
        lines++;
        bytes += e.text.length;
      }
    }
    expect([lines, bytes]).toEqual([100_000, 100_000_000]);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  }, 180_000);
});

async function waitForLine(h: Harness, job: { id: string; repo: string } & Parameters<Harness['lines']>[0], text: string): Promise<void> {
  await waitFor(`"${text}" in the log of ${job.id}`, async () => (await h.lines(job)).map((e) => e.text), (texts) => texts.includes(text), { timeoutMs: 60_000 });
}
