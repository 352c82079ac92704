// The local backend as the core uses it, with the real runner program:
// submit a workflow, follow its log live, and find its artifact in storage.
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createBackend, localBackendConfig } from '../../../main/backends/index';
import type { Backend } from '../../../main/core/backend';
import { keys } from '../../../main/core/keys';
import { RunService } from '../../../main/core/runs';
import { isTerminal } from '../../../main/common/status';
import { runFixture } from './fixtures/run';

let home: string;
let project: string;
let backend: Backend;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-home-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-project-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(
    join(project, '.dstack', 'workflows', 'hello.yaml'),
    [
      'workflows:',
      '  - name: hello',
      '    provider: bash',
      '    commands:',
      '      - echo hello from the job',
      '      - echo to stderr >&2',
      '      - sleep 0.5',
      '      - mkdir -p out && echo result > out/r.txt',
      '      - echo finished',
      '    artifacts:',
      '      - path: out',
      '',
    ].join('\n'),
  );
  backend = await createBackend(localBackendConfig(home));
});
afterEach(async () => {
  await backend.close();
  await rm(home, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
});

it('runs a workflow in a detached runner, with its log followable live and its artifact stored', async () => {
  expect(backend.name).toBe('local');
  const runs = new RunService(backend);
  const job = await runs.submit(project, 'hello');
  expect(await backend.compute.isAlive(job)).toBe(true);

  const lines: string[] = [];
  for await (const batch of await runs.logs(job.repo, job.runName, { follow: true })) {
    lines.push(...batch.filter((e) => e.stream !== 'system').map((e) => `${e.stream}: ${e.text}`));
  }
  expect(lines).toEqual(['stdout: hello from the job', 'stderr: to stderr', 'stdout: finished']);

  const done = await runs.get(job.repo, job.runName);
  expect(done.status).toBe('done');
  const artifact = await backend.storage.get(keys.artifact(job.repo, job.id, 'out/r.txt'));
  expect(artifact?.toString()).toBe('result\n');
  expect(await readdir(join(home, 'local'))).toEqual(expect.arrayContaining(['logs', 'runners', 'storage']));

  // The runner exits after storing `done`; then reconcile clears its pid file.
  const end = Date.now() + 10_000;
  while ((await backend.compute.isAlive(done)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  expect(await backend.compute.isAlive(done)).toBe(false);
  await backend.compute.reconcile();
  expect((await readdir(join(home, 'local', 'runners'))).filter((n) => n.endsWith('.pid'))).toEqual([]);
});

it('finishes a job after the client that submitted it is killed', async () => {
  const client = runFixture('submit-and-wait.ts', [home, project, 'hello'], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(client.stdout!, 'data')) as [Buffer];
  const { repo, runName } = JSON.parse(line.toString()) as { repo: string; runName: string };
  // Kill the client's whole process group while the job sleeps: the runner is in a group of its own.
  process.kill(-client.pid!, 'SIGKILL');
  await once(client, 'close');

  const runs = new RunService(backend);
  expect(isTerminal((await runs.get(repo, runName)).status)).toBe(false);
  const texts: string[] = [];
  for await (const batch of await runs.logs(repo, runName, { follow: true })) texts.push(...batch.map((e) => e.text));
  expect(texts).toContain('finished');
  expect((await runs.get(repo, runName)).status).toBe('done');
});
