/**
 * One GCP run end to end, with no GCP: Cloud Storage, Compute Engine, Cloud
 * Logging, Secret Manager and the metadata server are loopback stand-ins.
 * The VM is played the way Compute Engine runs it: the startup-script from
 * the instances.insert request, decoded and run by bash as its own process
 * (DSTACK_EXECUTOR=process, DSTACK_NO_SHUTDOWN=1, endpoints in
 * DSTACK_GCP_*_ENDPOINT, GCE_METADATA_HOST at the metadata stand-in). It
 * fetches the runner bundle from the bucket with the "VM's" token, runs the
 * real runner (the single-file runner.mjs the app bundled and uploaded,
 * under plain Node, whose google-auth-library finds the VM's service
 * account on the metadata server), and at the end deletes its own VM.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { instanceName } from '../../../main/backends/gcp/compute-instance';
import type { Job } from '../../../main/common/job';
import { isTerminal } from '../../../main/common/status';
import { repoIdOf } from '../../../main/core/project';
import { RunService } from '../../../main/core/runs';
import type { GceMetadataStandin } from '../../helpers/gce-metadata-standin';
import { startGceMetadataStandin } from '../../helpers/gce-metadata-standin';
import { waitFor } from '../../helpers/wait';
import { appBackend, config, project, PROJECT, useGcpStandins, ZONE } from './compute-setup';

const f = useGcpStandins();
const players: ChildProcess[] = [];
const metadata: GceMetadataStandin[] = [];

afterEach(async () => {
  for (const p of players) if (p.exitCode === null) p.kill('SIGKILL');
  players.length = 0;
  await Promise.all(metadata.splice(0).map((m) => m.stop()));
});

interface Played {
  exit: Promise<number>;
  output: () => string;
  md: GceMetadataStandin;
  name: string;
}

/** Plays the job's VM: its startup-script, run by bash as documented in compute-startup.ts. */
async function playVm(job: Job, env: Record<string, string> = {}, setUp?: (md: GceMetadataStandin) => void): Promise<Played> {
  const name = instanceName(config.bucket, job.repo, job.id);
  const md = await startGceMetadataStandin({ project: PROJECT, zone: ZONE, name, token: f.gcs.token });
  metadata.push(md);
  setUp?.(md);
  const dir = join(f.work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'startup-script.sh'), f.gce.startupScript(ZONE, name));
  const vmEnv: Record<string, string> = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: dir,
    DSTACK_HOME: join(dir, 'dstack-home'),
    DSTACK_RUNNER_HOME: join(dir, 'opt-dstack'),
    DSTACK_EXECUTOR: 'process',
    DSTACK_NO_SHUTDOWN: '1',
    GCE_METADATA_HOST: md.host,
    ...f.endpointEnv,
    ...env,
  };
  const child = spawn('bash', [join(dir, 'startup-script.sh')], { env: vmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  players.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { exit: new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1))), output: () => out, md, name };
}

async function logLines(runs: RunService, job: Job): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of await runs.logs(job.repo, job.runName)) out.push(...batch.map((e) => `${e.stream}: ${e.text}`));
  return out;
}

// Each plays a VM with real processes (bash, curl, the bundled runner under Node): generous limits for a loaded machine.
const VM_TEST = { timeout: 240_000 };

it('runs a job on the played VM: the startup script fetches the runner, logs are followed, artifacts downloaded, and the VM deletes itself', VM_TEST, async () => {
  const backend = appBackend(f, join(f.work, 'home'));
  try {
    const runs = new RunService(backend);
    const dir = await project(f.work, ['echo hello from gce', 'echo oops >&2', 'test "$WANDB_KEY" = s3cr3t && echo secret arrived', 'mkdir -p out && echo result > out/r.txt', 'echo finished']);
    await backend.secrets.set(await repoIdOf(dir), 'WANDB_KEY', 's3cr3t');
    const job = await runs.submit(dir, 'train');
    expect(job.offer).toMatchObject({ instanceType: 'e2-medium', region: 'us-central1' });
    const played = await playVm(job);
    expect(f.gce.instances.has(`${ZONE}/${played.name}`)).toBe(true);
    const lines: string[] = [];
    // Following ends when the job does; a VM that exits without ending it stops the follow 30 s later, and the test says what it printed.
    const stopFollow = new AbortController();
    void played.exit.then(() => setTimeout(() => stopFollow.abort(), 30_000).unref());
    try {
      for await (const batch of await runs.logs(job.repo, job.runName, { follow: true, signal: stopFollow.signal })) {
        lines.push(...batch.filter((e) => e.stream !== 'system').map((e) => `${e.stream}: ${e.text}`));
      }
    } catch (err) {
      if (!stopFollow.signal.aborted) throw err;
    }
    expect(await played.exit, played.output()).toBe(0);
    expect((await runs.get(job.repo, job.runName)).status, played.output()).toBe('done');
    expect(played.output().match(/dstack runner: running job /g), played.output()).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual(['stdout: hello from gce', 'stdout: secret arrived', 'stdout: finished']);
    expect(lines.filter((l) => l.startsWith('stderr'))).toEqual(['stderr: oops']);
    const dest = join(f.work, 'dl', 'r.txt');
    await backend.storage.downloadFile(`artifacts/${job.repo}/${job.id}/out/r.txt`, dest);
    expect(await readFile(dest, 'utf8')).toBe('result\n');
    // The VM deleted itself, learning its project, zone and name from the metadata server.
    expect(f.gce.deletes, played.output()).toEqual([`${ZONE}/${played.name}`]);
    expect(f.gce.instances.has(`${ZONE}/${played.name}`)).toBe(false);
    expect(played.output()).toContain(`dstack bootstrap: deleting this VM (${played.name} in ${ZONE})`);
    // Every metadata request carried Metadata-Flavor; the runner's credentials came from the VM's service account.
    expect(played.md.calls.filter((c) => c.status === 403)).toEqual([]);
    expect(played.md.calls.some((c) => c.path === 'instance/service-accounts/default/token')).toBe(true);
    // An on-demand VM never watches for preemption.
    expect(played.md.calls.filter((c) => c.path === 'instance/preempted')).toEqual([]);
    // Nothing is left for reconcile but the launch intent, which it settles.
    await backend.compute.reconcile();
    expect(f.gce.deletes).toHaveLength(1);
    expect((await backend.storage.list('launches/')).objects).toEqual([]);
  } finally {
    await backend.close();
  }
});

it('stops a spot job when the metadata server says the VM is preempted, saves its artifacts and fails it with the reason', VM_TEST, async () => {
  const backend = appBackend(f, join(f.work, 'home'));
  try {
    const runs = new RunService(backend);
    const dir = await project(f.work, ['mkdir -p out && echo partial > out/r.txt', 'echo started', 'sleep 60', 'echo never'], ['resources:', '  interruptible: true']);
    const job = await runs.submit(dir, 'train');
    expect(job.offer?.spot).toBe(true);
    const played = await playVm(job, { DSTACK_SPOT_POLL_MS: '100' });
    await waitFor('the job to print "started"', () => logLines(runs, job), (l) => l.includes('stdout: started'), { timeoutMs: 120_000 });
    // The runner is waiting on instance/preempted with wait_for_change.
    await waitFor('a wait_for_change request on instance/preempted', () => played.md.calls.filter((c) => c.path === 'instance/preempted'), (c) => c.some((x) => x.wait));
    played.md.setPreempted(true);
    const end = await waitFor('the job to end', () => runs.jobs.require(job.repo, job.id), (j) => isTerminal(j.status), { timeoutMs: 60_000 });
    expect(end.status, played.output()).toBe('failed');
    expect(end.statusReason).toBe('The spot VM was preempted by Compute Engine; artifacts were saved.');
    expect(await played.exit, played.output()).toBe(0);
    const lines = await logLines(runs, job);
    expect(lines).toContain('system: The spot VM was preempted by Compute Engine: sending SIGTERM, SIGKILL in 10 s, then saving the artifacts.');
    expect(lines).not.toContain('stdout: never');
    const dest = join(f.work, 'dl', 'r.txt');
    await backend.storage.downloadFile(`artifacts/${job.repo}/${job.id}/out/r.txt`, dest);
    expect(await readFile(dest, 'utf8')).toBe('partial\n');
    expect(f.gce.deletes).toContain(`${ZONE}/${played.name}`);
  } finally {
    await backend.close();
  }
});

it('runs a spot job to the end when the metadata server cannot say, saying so once in the runner log; the VM still deletes itself', VM_TEST, async () => {
  const backend = appBackend(f, join(f.work, 'home'));
  try {
    const runs = new RunService(backend);
    const job = await runs.submit(await project(f.work, ['echo hi', 'sleep 1', 'mkdir -p out && echo r > out/r.txt'], ['resources:', '  interruptible: true']), 'train');
    const played = await playVm(job, { DSTACK_SPOT_POLL_MS: '50' }, (md) => (md.preemptedDown = true));
    expect(await played.exit, played.output()).toBe(0);
    expect(await runs.jobs.require(job.repo, job.id), played.output()).toMatchObject({ status: 'done' });
    // It kept asking (every 50 ms here), and said so once, in the runner's own log, never in the job's.
    expect(played.md.calls.filter((c) => c.path === 'instance/preempted' && c.status === 503).length).toBeGreaterThan(1);
    expect(played.output().match(/spot preemption notices cannot be read, the job goes on without them: The metadata server answered instance\/preempted with HTTP 503/g), played.output()).toHaveLength(1);
    expect(await logLines(runs, job)).not.toContainEqual(expect.stringContaining('metadata'));
    expect(f.gce.deletes).toContain(`${ZONE}/${played.name}`);
  } finally {
    await backend.close();
  }
});
