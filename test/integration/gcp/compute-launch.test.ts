/**
 * What the GCP backend asks of Compute Engine, against the Compute REST
 * stand-in: the exact instances.insert request, the firewall rule only
 * when ports are asked for, the errors that say the fix, and what reconcile
 * deletes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instanceName } from '../../../main/backends/gcp/compute-instance';
import { RunService } from '../../../main/core/runs';
import { appBackend, config, project, PROJECT, useGcpStandins, ZONE } from './compute-setup';

const f = useGcpStandins();

/** A stand-in runner bundle: these tests never run it, they only see it uploaded. */
async function fakeBundle(): Promise<string> {
  const path = join(f.work, 'runner.mjs');
  await writeFile(path, 'console.log("runner")\n');
  return path;
}

describe('GCP compute: instances.insert', () => {
  it('sends the machine type, attached GPUs, SPOT scheduling with maxRunDuration, labels and the startup script', async () => {
    const backend = appBackend(f, join(f.work, 'home'), { runnerBundle: await fakeBundle() });
    const runs = new RunService(backend);
    const dir = await project(f.work, ['python train.py'], ['ports: 2', 'resources:', '  cpu: 4', '  gpu: {name: T4, count: 2}', '  interruptible: true']);
    const job = await runs.submit(dir, 'train', { maxDurationSec: 3600 });
    expect(job.offer).toEqual({ instanceType: 'n1-standard-4 + 2 × T4', pricePerHour: 0.337, spot: true, region: 'us-central1', cpu: 4, memoryMiB: 15360, gpu: { name: 'T4', count: 2, memoryMiB: 16384 } });
    expect(f.gce.inserts).toHaveLength(1);
    const { zone, body } = f.gce.inserts[0]!;
    const name = instanceName(config.bucket, job.repo, job.id);
    const labels = { dstack_bucket: 'dstack-test-bucket', dstack_repo: expect.stringMatching(/^[0-9a-f]{8}$/), dstack_job: job.id.toLowerCase().replace(/[^a-z0-9_-]/g, '_'), dstack_run: job.runName };
    expect(zone).toBe(ZONE);
    expect(body).toEqual({
      name,
      machineType: `zones/${ZONE}/machineTypes/n1-standard-4`,
      description: `dstack run ${job.runName} of ${job.repo}`,
      labels,
      metadata: {
        items: [
          { key: 'startup-script', value: expect.stringMatching(/^#!\/bin\/bash\n/) },
          { key: 'dstack-repo', value: job.repo },
          { key: 'dstack-job', value: job.id },
          { key: 'install-nvidia-driver', value: 'True' },
        ],
      },
      disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2404-nvidia-580', diskSizeGb: '100', labels } }],
      networkInterfaces: [{ network: `projects/${PROJECT}/global/networks/default`, accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }],
      serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
      guestAccelerators: [{ acceleratorType: `zones/${ZONE}/acceleratorTypes/nvidia-tesla-t4`, acceleratorCount: 2 }],
      tags: { items: [expect.stringMatching(/^dstack-[0-9a-f]{8}-ports-2$/)] },
      scheduling: { provisioningModel: 'SPOT', automaticRestart: false, onHostMaintenance: 'TERMINATE', instanceTerminationAction: 'DELETE', maxRunDuration: { seconds: '4200' } },
    });
    // Ports asked for: one firewall rule, opening exactly them to the VM's network tag.
    const tag = (body.tags as { items: string[] }).items[0]!;
    expect([...f.gce.firewalls.values()]).toEqual([
      { name: tag, network: `projects/${PROJECT}/global/networks/default`, description: `dstack runners of ${config.bucket}, ports 3000-3001`, targetTags: [tag], sourceRanges: ['0.0.0.0/0'], allowed: [{ IPProtocol: 'tcp', ports: ['3000-3001'] }] },
    ]);
    // The startup script fetches the bundle the app uploaded, under its content hash.
    const script = f.gce.startupScript(ZONE, name);
    const key = [...f.gcs.objects.keys()].find((k) => k.startsWith('runners/'))!;
    expect(script).toContain(`DSTACK_RUNNER_PATH='/storage/v1/b/${config.bucket}/o/${encodeURIComponent(key)}?alt=media'`);
    expect(script).toContain(`DSTACK_CONFIG='${JSON.stringify(config)}'`);
    // The launch intent went to the bucket and the local ledger before the insert.
    expect(await readFile(join(f.work, 'home', 'gcp-ledger.jsonl'), 'utf8')).toContain(`"name":"${name}"`);
    expect(f.gce.counts.get('operations.wait')).toBeGreaterThan(0);
  });

  it('starts a CPU job on Debian, on-demand, with live migration, no firewall and no max run duration; a custom service account and subnet are used', async () => {
    const backend = appBackend(f, join(f.work, 'home'), { runnerBundle: await fakeBundle() });
    const sa = 'dstack-vm@dstack-test-project.iam.gserviceaccount.com';
    const { createGcpBackend } = await import('../../../main/backends/gcp/index');
    const custom = createGcpBackend({ ...config, serviceAccount: sa, network: 'ml', subnet: 'ml-us' }, {
      endpoints: { storage: f.gcs.endpoint, compute: f.gce.endpoint, logging: f.logging.endpoint, secretManager: f.sm.endpoint },
      tokens: async () => f.gcs.token,
      home: join(f.work, 'home'),
      runnerBundle: await fakeBundle(),
      env: {},
    });
    const firewalls = f.gce.firewalls.size;
    const job = await new RunService(backend).submit(await project(f.work, ['echo hi']), 'train');
    const before = f.gce.inserts.length;
    await custom.compute.launch({ ...job, id: `${job.id}-2` });
    const plain = f.gce.inserts.find((i) => i.body.name === instanceName(config.bucket, job.repo, job.id))!.body;
    expect(plain).toMatchObject({ machineType: `zones/${ZONE}/machineTypes/e2-medium`, scheduling: { provisioningModel: 'STANDARD', automaticRestart: false, onHostMaintenance: 'MIGRATE' } });
    expect(plain.scheduling).not.toHaveProperty('maxRunDuration');
    expect(plain.scheduling).not.toHaveProperty('instanceTerminationAction');
    expect(plain).not.toHaveProperty('guestAccelerators');
    expect(plain).not.toHaveProperty('tags');
    expect((plain.disks as { initializeParams: { sourceImage: string } }[])[0]!.initializeParams.sourceImage).toBe('projects/debian-cloud/global/images/family/debian-12');
    expect(f.gce.firewalls.size).toBe(firewalls);
    const second = f.gce.inserts[before]!.body;
    expect(second.serviceAccounts).toEqual([{ email: sa, scopes: ['https://www.googleapis.com/auth/cloud-platform'] }]);
    expect(second.networkInterfaces).toEqual([{ network: `projects/${PROJECT}/global/networks/ml`, subnetwork: `projects/${PROJECT}/regions/us-central1/subnetworks/ml-us`, accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }]);
  });

  it('fails the run with the fix when the zone has no capacity, and leaves no VM and no open intent', async () => {
    const backend = appBackend(f, join(f.work, 'home'), { runnerBundle: await fakeBundle() });
    const runs = new RunService(backend);
    const vms = f.gce.instances.size;
    const intents = (await backend.storage.list('launches/')).objects.length;
    f.gce.failNextInsert = { code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: `The zone 'projects/${PROJECT}/zones/${ZONE}' does not have enough resources available to fulfill the request.` };
    const err = await runs.submit(await project(f.work, ['echo hi'], ['resources:', '  gpu: {name: L4, count: 1}']), 'train').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'capacity', message: `Zone ${ZONE} has no g2-standard-4 free right now (ZONE_RESOURCE_POOL_EXHAUSTED).`, fix: 'Set another zone of us-central1 in the GCP settings (us-central1-b, us-central1-c, us-central1-f), or try again later.' });
    expect(f.gce.instances.size).toBe(vms);
    expect((await backend.storage.list('launches/')).objects).toHaveLength(intents);
  });
});
