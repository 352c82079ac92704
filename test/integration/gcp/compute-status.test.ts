/**
 * What the GCP compute says about a job's VM, against the Compute REST
 * stand-in: isAlive (the VM, or a young launch intent), whyGone (the VM's
 * status and message, a deleted spot VM, a runner that never started) and
 * cancel (deletes the VM of a run aborted before its runner started).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { GceApi } from '../../../main/backends/gcp/compute-api';
import { GcpCompute, RUNNER_START_DEADLINE_MS } from '../../../main/backends/gcp/compute';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { GcsStorage } from '../../../main/backends/gcp/storage';
import type { Job } from '../../../main/common/job';
import { RunService } from '../../../main/core/runs';
import { appBackend, config, project, PROJECT, useGcpStandins, ZONE } from './compute-setup';
import { FAST_RETRY } from './setup';

const f = useGcpStandins();

/** A compute on the stand-ins whose clock is `skewMs` ahead. */
function computeAt(home: string, bundle: string, skewMs = 0): GcpCompute {
  const http = new GcpHttp(async () => f.gcs.token, FAST_RETRY);
  const storage = new GcsStorage({ http, endpoint: f.gcs.endpoint, bucket: config.bucket }, home);
  return new GcpCompute({ config, api: new GceApi(http, f.gce.endpoint, PROJECT), storage, home, runnerBundle: async () => bundle, now: () => Date.now() + skewMs, env: {} });
}

async function launched(): Promise<{ job: Job; name: string; home: string; bundle: string }> {
  const home = join(f.work, 'home');
  const bundle = join(f.work, 'runner.mjs');
  await writeFile(bundle, 'console.log("runner")\n');
  const backend = appBackend(f, home, { runnerBundle: bundle });
  const job = await new RunService(backend).submit(await project(f.work, ['echo hi']), 'train');
  return { job, name: f.gce.inserts.at(-1)!.body.name as string, home, bundle };
}

it('is alive while its VM runs; a stopped VM is gone, and whyGone says its status and Compute Engine\'s message', async () => {
  const { job, name, home, bundle } = await launched();
  const compute = computeAt(home, bundle);
  const running = { ...job, status: 'running' as const };
  expect(await compute.isAlive(running)).toBe(true);
  const vm = f.gce.instances.get(`${ZONE}/${name}`)!;
  vm.status = 'TERMINATED';
  vm.statusMessage = 'Instance was stopped by the guest OS.';
  expect(await compute.isAlive(running)).toBe(false);
  expect(await compute.whyGone(running)).toBe(`The VM ${name} in ${ZONE} is terminated while the job was running: Instance was stopped by the guest OS.`);
});

it('counts a young launch as alive before its VM shows, and says a deleted spot VM may have been preempted', async () => {
  const { job, name, home, bundle } = await launched();
  f.gce.instances.delete(`${ZONE}/${name}`);
  const running = { ...job, status: 'running' as const };
  expect(await computeAt(home, bundle).isAlive(running)).toBe(true);
  const later = computeAt(home, bundle, 6 * 60_000);
  expect(await later.isAlive(running)).toBe(false);
  expect(await later.whyGone({ ...running, offer: { ...job.offer!, spot: true } })).toBe(`The VM ${name} in ${ZONE} was deleted while the job was running (a spot VM is deleted when Compute Engine preempts it).`);
});

it('gives up on a runner that never started, and says where its startup log is', async () => {
  const { job, name, home, bundle } = await launched();
  const late = computeAt(home, bundle, RUNNER_START_DEADLINE_MS + 60_000);
  expect(await late.isAlive(job)).toBe(false);
  expect(await late.whyGone(job)).toBe(
    `The runner did not start within 30 minutes of VM ${name}'s creation, so the VM is deleted. Its startup script's output is in Cloud Logging (log GCEMetadataScripts), and while the VM exists in its serial console (\`gcloud compute instances get-serial-port-output ${name} --zone ${ZONE}\`).`,
  );
  // Reconcile deletes it once the run is failed.
  const runs = new RunService(appBackend(f, home, { runnerBundle: bundle }));
  await runs.jobs.setStatus(job.repo, job.id, 'failed', { statusReason: 'x', finishedAt: Date.now() });
  await late.reconcile();
  expect(f.gce.instances.has(`${ZONE}/${name}`)).toBe(false);
});

it('cancels a run before its runner started by deleting its VM, and has nothing to cancel after', async () => {
  const { job, name, home, bundle } = await launched();
  const compute = computeAt(home, bundle);
  expect(await compute.cancel(job)).toBe(`VM ${name} was deleted`);
  expect(f.gce.instances.has(`${ZONE}/${name}`)).toBe(false);
  expect(await compute.cancel(job)).toBeUndefined();
  expect(await compute.isAlive(job)).toBe(false);
});
