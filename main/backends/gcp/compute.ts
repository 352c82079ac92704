/**
 * Compute on Compute Engine, with the same contract as EC2 (core/backend.ts
 * Compute): `launch` chooses the machine, uploads the runner bundle, opens
 * ports only when asked, records a launch intent, and inserts one VM whose
 * startup script runs the runner and deletes the VM at the end. From then
 * on the runner owns the job's status. `reconcile` deletes what a crash
 * left behind: VMs labelled for this bucket whose job is finished or
 * unknown, and the VMs of a crashed app's open intents.
 */
import { DstackError } from '../../common/errors';
import type { InstanceOffer, Job } from '../../common/job';
import type { Compute, Storage } from '../../core/backend';
import { jobLiveness } from '../../core/job-liveness';
import { uploadRunnerBundle } from '../../core/runner-upload';
import { JobStore } from '../../core/jobs';
import type { GceApi, GceInstance } from './compute-api';
import { lastSegment, metadataValue } from './compute-api';
import { FIRST_PORT, firewallName, instanceBody, instanceName, LABELS, labelValue, META, resourceUrl } from './compute-instance';
import { GceLedger, gceLedgerPath } from './compute-ledger';
import type { GceIntent } from './compute-ledger';
import { chooseMachine, machineOf } from './compute-machines';
import { metadataBase, watchPreemption } from './compute-preempt';
import { renderStartupScript } from './compute-startup';
import type { GcpBackendConfig } from './config';

/** A launch younger than this counts as alive even before its VM is listed. */
export const LAUNCH_GRACE_MS = 5 * 60_000;

/** A runner that has not written its first status this long after its VM was created never will: the run is failed and reconcile deletes the VM. */
export const RUNNER_START_DEADLINE_MS = 30 * 60_000;

/** VM states in which it runs, or is about to. */
const UP = new Set(['PROVISIONING', 'STAGING', 'RUNNING', 'REPAIRING']);

export interface GcpComputeDeps {
  config: GcpBackendConfig;
  api: GceApi;
  storage: Storage;
  /** DSTACK_HOME: the local launch ledger lives there. */
  home: string;
  /** Path of the single-file runner bundle (runner.mjs) to upload to the bucket. */
  runnerBundle: () => Promise<string>;
  now?: () => number;
  /** GCE_METADATA_HOST and DSTACK_SPOT_POLL_MS for the runner's preemption watch; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export class GcpCompute implements Compute {
  private readonly ledger: GceLedger;
  private readonly jobs: JobStore;
  private readonly now: () => number;

  constructor(private readonly d: GcpComputeDeps) {
    this.ledger = new GceLedger(d.storage, gceLedgerPath(d.home));
    this.jobs = new JobStore(d.storage);
    this.now = d.now ?? Date.now;
  }

  private get bucket(): string {
    return this.d.config.bucket;
  }

  /** The configured zone; running needs one, storage and logs do not. */
  private get zone(): string {
    const zone = this.d.config.zone;
    if (!zone) throw new DstackError('config', 'The GCP settings name no zone, so dstack cannot tell where to start VMs.', { fix: 'Set a zone (e.g. us-central1-a) with `dstack config gcp` or in the app\'s GCP settings.' });
    return zone;
  }

  private get region(): string {
    return this.zone.replace(/-[a-z]$/, '');
  }

  offer(job: Job): Promise<InstanceOffer> {
    return Promise.resolve().then(() => chooseMachine(job.resources, this.region).offer);
  }

  /** Uploads the runner bundle under a content-hash version, once; returns its key. */
  private async runnerKey(): Promise<string> {
    return uploadRunnerBundle(this.d.storage, await this.d.runnerBundle());
  }

  /** The firewall rule that opens the job's ports to its VM, only when the workflow asks for ports. */
  private async openPorts(ports: number): Promise<void> {
    if (ports <= 0) return;
    const name = firewallName(this.bucket, ports);
    await this.d.api.ensureFirewall({
      name,
      network: resourceUrl('networks', this.d.config.network ?? 'default', this.d.api.project),
      description: `dstack runners of ${this.bucket}, ports ${FIRST_PORT}-${FIRST_PORT + ports - 1}`,
      targetTags: [name],
      sourceRanges: ['0.0.0.0/0'],
      allowed: [{ IPProtocol: 'tcp', ports: [`${FIRST_PORT}-${FIRST_PORT + ports - 1}`] }],
    });
  }

  async launch(job: Job): Promise<void> {
    const zone = this.zone;
    const choice = chooseMachine(job.resources, this.region);
    // The offer shown at submit is what runs; one the table no longer has is chosen again.
    const known = job.offer && machineOf(job.offer);
    const [offer, machine] = known ? [job.offer!, known] : [choice.offer, choice.machine];
    const runnerKey = await this.runnerKey();
    await this.openPorts(job.ports);
    const c = this.d.config;
    const body = instanceBody({
      job,
      project: c.project,
      bucket: this.bucket,
      zone,
      offer,
      machine,
      startupScript: renderStartupScript(job, c, runnerKey),
      ...(c.network ? { network: c.network } : {}),
      ...(c.subnet ? { subnet: c.subnet } : {}),
      ...(c.serviceAccount ? { serviceAccount: c.serviceAccount } : {}),
    });
    const intent: GceIntent = { bucket: this.bucket, project: c.project, zone, name: body.name, repo: job.repo, jobId: job.id, createdAt: this.now() };
    await this.ledger.intend(intent);
    try {
      await this.d.api.insert(zone, body);
    } catch (err) {
      // Refused (capacity, quota, permission): nothing runs. Unanswered: reconcile finds the VM by its labels or this intent.
      if (err instanceof DstackError && err.code !== 'unavailable') await this.ledger.settle(intent).catch(() => undefined);
      throw err;
    }
    try {
      await this.ledger.launched(intent);
    } catch (err) {
      // Never leave a half-provisioned run: a VM nobody recorded is deleted now.
      await this.d.api.delete(zone, body.name).catch(() => undefined);
      await this.ledger.settle(intent).catch(() => undefined);
      throw err;
    }
  }

  /** The runner on the VM polls the stop request in the bucket (written by the core before this is called): nothing to signal. */
  async signal(_job: Job, _abort: boolean): Promise<void> {}

  /** On a spot VM, the runner waits on the metadata server's `instance/preempted` (DSTACK_SPOT_POLL_MS paces retries after a failure). */
  watchInterruption(job: Job, onNotice: (reason: string) => void): () => void {
    const env = this.d.env ?? process.env;
    if (!(job.offer?.spot ?? job.resources.interruptible)) return () => undefined;
    const retryMs = Number(env.DSTACK_SPOT_POLL_MS);
    return watchPreemption(metadataBase(env), onNotice, retryMs > 0 ? { retryMs } : {});
  }

  /** Where the job's VM is: the intent's zone (it may predate a zone change), else the configured one. */
  private async vmOf(job: Job): Promise<{ zone: string; name: string; intent?: GceIntent }> {
    const intent = await this.ledger.get(job.repo, job.id);
    if (intent?.name && intent.zone) return { zone: intent.zone, name: intent.name, intent };
    return { zone: this.zone, name: instanceName(this.bucket, job.repo, job.id) };
  }

  private runnerNeverStarted(job: Job, vm: GceInstance): boolean {
    const created = vm.creationTimestamp ? Date.parse(vm.creationTimestamp) : NaN;
    return job.status === 'submitted' && !Number.isNaN(created) && this.now() - created > RUNNER_START_DEADLINE_MS;
  }

  async isAlive(job: Job): Promise<boolean> {
    const { zone, name, intent } = await this.vmOf(job);
    const vm = await this.d.api.get(zone, name);
    if (vm && UP.has(vm.status)) return !this.runnerNeverStarted(job, vm);
    return Boolean(!vm && intent && this.now() - intent.createdAt < LAUNCH_GRACE_MS);
  }

  /** What Compute Engine says happened to the job's VM, for a job whose runner is gone. */
  async whyGone(job: Job): Promise<string | undefined> {
    const when = job.status === 'submitted' ? 'before the runner started' : `while the job was ${job.status}`;
    const { zone, name } = await this.vmOf(job);
    const vm = await this.d.api.get(zone, name);
    if (vm && UP.has(vm.status) && this.runnerNeverStarted(job, vm)) {
      return `The runner did not start within ${RUNNER_START_DEADLINE_MS / 60_000} minutes of VM ${name}'s creation, so the VM is deleted. Its startup script's output is in Cloud Logging (log GCEMetadataScripts), and while the VM exists in its serial console (\`gcloud compute instances get-serial-port-output ${name} --zone ${zone}\`).`;
    }
    if (vm) return `The VM ${name} in ${zone} is ${vm.status.toLowerCase()} ${when}${vm.statusMessage ? `: ${vm.statusMessage.replace(/\.$/, '')}` : ''}.`;
    const spot = job.offer?.spot ?? job.resources.interruptible;
    return `The VM ${name} in ${zone} was deleted ${when}${spot ? ' (a spot VM is deleted when Compute Engine preempts it)' : ''}.`;
  }

  /** Deletes the VM of a job aborted before its runner started (nobody would read the stop request). */
  async cancel(job: Job): Promise<string | undefined> {
    const { zone, name, intent } = await this.vmOf(job);
    const vm = await this.d.api.get(zone, name);
    if (vm) await this.d.api.delete(zone, name);
    if (intent) await this.ledger.settle(intent);
    return vm ? `VM ${name} was deleted` : undefined;
  }

  async reconcile(): Promise<void> {
    const jobIsLive = jobLiveness(this.jobs);
    const vms = await this.d.api.list(LABELS.bucket, labelValue(this.bucket));
    const kept = new Set<string>();
    for (const vm of vms) {
      const repo = metadataValue(vm, META.repo);
      const jobId = metadataValue(vm, META.job);
      // The label is lossy: a VM of another bucket with the same label has another name for the same job.
      if (repo && jobId && instanceName(this.bucket, repo, jobId) !== vm.name) continue;
      if (await jobIsLive(repo, jobId)) kept.add(vm.name);
      else await this.d.api.delete(lastSegment(vm.zone), vm.name);
    }
    for (const intent of await this.ledger.open(this.bucket)) {
      if (kept.has(intent.name)) continue;
      const young = this.now() - intent.createdAt < LAUNCH_GRACE_MS;
      if (young && (await jobIsLive(intent.repo, intent.jobId))) continue;
      // An app that died before it learnt the insert's outcome may have left a VM the label listing does not show yet:
      // it is deleted by the name the intent fixed. A launched VM that is not listed is gone.
      if (!intent.launched && !(await jobIsLive(intent.repo, intent.jobId))) await this.d.api.delete(intent.zone, intent.name);
      await this.ledger.settle(intent);
    }
  }
}
