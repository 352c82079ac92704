/**
 * The instances.insert request for one job: the machine type and attached
 * GPUs, a public image (Debian 12; a Deep Learning VM image with NVIDIA's
 * driver when GPUs are asked for), labels that tie the VM to the bucket and
 * the job, the startup script, the service account it runs as, and
 * scheduling: SPOT that deletes itself when preempted, no automatic restart
 * (a restarted VM would run the job again), TERMINATE on host maintenance
 * where GPUs or spot forbid live migration, and `maxRunDuration` as the
 * backstop for the job's max duration.
 */
import { createHash } from 'node:crypto';
import type { InstanceOffer, Job } from '../../common/job';
import type { GcpMachine } from './compute-machines';

/**
 * The images, by family, so a VM always gets the family's newest. The GPU
 * family is a Deep Learning VM with NVIDIA's driver, Docker and the NVIDIA
 * container toolkit built in; `install-nvidia-driver` asks older families
 * to install the driver at first boot.
 */
export const IMAGES = {
  cpu: 'projects/debian-cloud/global/images/family/debian-12',
  gpu: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2404-nvidia-580',
};

/** First port of the range opened when a workflow asks for `ports`, as on AWS. */
export const FIRST_PORT = 3000;

/** A runner that hangs past the job's limit is deleted by Compute Engine ten minutes later. */
export const MAX_RUN_SLACK_SEC = 600;

/** The longest `maxRunDuration` Compute Engine accepts: 120 days. */
export const MAX_RUN_LIMIT_SEC = 120 * 86_400;

/** Labels: at most 63 of `[a-z0-9_-]`; the exact ids are in metadata items. */
export function labelValue(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
}

export function sha(s: string, n: number): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

/** The VM's name: fixed by bucket, repo and job, so a repeated insert cannot start a second VM. */
export function instanceName(bucket: string, repo: string, jobId: string): string {
  return `dstack-${sha(`${bucket}\n${repo}\n${jobId}`, 20)}`;
}

/** Label keys, with `_` (as the AWS tags are) so the list filter `labels.KEY = "…"` reads them as one name. */
export const LABELS = { bucket: 'dstack_bucket', repo: 'dstack_repo', job: 'dstack_job', run: 'dstack_run' } as const;
/** Metadata keys with the exact repo and job id (labels are lossy). */
export const META = { repo: 'dstack-repo', job: 'dstack-job' } as const;

export function jobLabels(bucket: string, job: Job): Record<string, string> {
  return { [LABELS.bucket]: labelValue(bucket), [LABELS.repo]: sha(`${bucket}\n${job.repo}`, 8), [LABELS.job]: labelValue(job.id), [LABELS.run]: labelValue(job.runName) };
}

/** The firewall rule (and network tag) for `ports` open ports of this bucket's VMs. */
export function firewallName(bucket: string, ports: number): string {
  return `dstack-${sha(bucket, 8)}-ports-${ports}`;
}

/** A network or subnet given as a name becomes the URL the API wants; a URL stays as it is. */
export function resourceUrl(kind: string, value: string, project: string, region?: string): string {
  if (value.includes('/')) return value;
  return region ? `projects/${project}/regions/${region}/${kind}/${value}` : `projects/${project}/global/${kind}/${value}`;
}

export interface InsertPlan {
  job: Job;
  project: string;
  bucket: string;
  zone: string;
  offer: InstanceOffer;
  machine: GcpMachine;
  startupScript: string;
  network?: string;
  subnet?: string;
  serviceAccount?: string;
}

export function instanceBody(p: InsertPlan) {
  const region = p.zone.replace(/-[a-z]$/, '');
  const gpu = Boolean(p.machine.gpu);
  const name = instanceName(p.bucket, p.job.repo, p.job.id);
  const maxRun = p.job.maxDurationSec ? Math.min(p.job.maxDurationSec + MAX_RUN_SLACK_SEC, MAX_RUN_LIMIT_SEC) : undefined;
  return {
    name,
    machineType: `zones/${p.zone}/machineTypes/${p.machine.machineType}`,
    description: `dstack run ${p.job.runName} of ${p.job.repo}`,
    labels: jobLabels(p.bucket, p.job),
    metadata: {
      items: [
        { key: 'startup-script', value: p.startupScript },
        { key: META.repo, value: p.job.repo },
        { key: META.job, value: p.job.id },
        ...(gpu ? [{ key: 'install-nvidia-driver', value: 'True' }] : []),
      ],
    },
    disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: gpu ? IMAGES.gpu : IMAGES.cpu, diskSizeGb: gpu ? '100' : '30', labels: jobLabels(p.bucket, p.job) } }],
    networkInterfaces: [
      {
        network: resourceUrl('networks', p.network ?? 'default', p.project),
        ...(p.subnet ? { subnetwork: resourceUrl('subnetworks', p.subnet, p.project, region) } : {}),
        accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }],
      },
    ],
    serviceAccounts: [{ email: p.serviceAccount ?? 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
    ...(p.machine.acceleratorType && p.machine.gpu
      ? { guestAccelerators: [{ acceleratorType: `zones/${p.zone}/acceleratorTypes/${p.machine.acceleratorType}`, acceleratorCount: p.machine.gpu.count }] }
      : {}),
    ...(p.job.ports > 0 ? { tags: { items: [firewallName(p.bucket, p.job.ports)] } } : {}),
    scheduling: {
      provisioningModel: p.offer.spot ? 'SPOT' : 'STANDARD',
      automaticRestart: false,
      onHostMaintenance: gpu || p.offer.spot ? 'TERMINATE' : 'MIGRATE',
      ...(p.offer.spot || maxRun ? { instanceTerminationAction: 'DELETE' } : {}),
      ...(maxRun ? { maxRunDuration: { seconds: String(maxRun) } } : {}),
    },
  };
}
