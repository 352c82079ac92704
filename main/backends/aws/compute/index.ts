/**
 * Compute on EC2. `launch` chooses the type, makes sure the runner bundle,
 * the instance role, the log groups and the security group exist, records a
 * launch intent, and runs one instance whose UserData starts the runner.
 * From then on the runner owns the job's status. `reconcile` terminates
 * whatever a crash left behind: instances and spot requests of this bucket
 * whose job is finished or unknown.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { AwsBackendConfig } from '../../../common/config';
import type { InstanceOffer, Job } from '../../../common/job';
import type { Compute, Storage } from '../../../core/backend';
import { jobLiveness } from '../../../core/job-liveness';
import { uploadRunnerBundle } from '../../../core/runner-upload';
import { JobStore } from '../../../core/jobs';
import type { InstanceIdentity } from '../iam';
import { ensureInstanceIdentity } from '../iam';
import { ImdsClient, imdsEndpoint } from '../imds';
import { ensureLogGroup } from '../logs';
import { names, tags } from '../names';
import { watchSpotInterruption } from '../spot-watch';
import { findImage } from './ami';
import { chooseType, describeTypes } from './instance-types';
import type { TypeInfo } from './instance-types';
import { ALL_STATES, cancelSpot, describeInstances, describeSpotRequests, terminate } from './instances';
import type { TaggedResource } from './instances';
import { clientToken, runInstance } from './launch';
import { Ledger, ledgerPath } from './ledger';
import type { LaunchIntent } from './ledger';
import { ensureSecurityGroup, findSubnets } from './network';
import { renderUserData } from './userdata';

/** A launch younger than this counts as alive even before DescribeInstances shows its instance. */
export const LAUNCH_GRACE_MS = 5 * 60_000;

/**
 * A runner that has not written its first status this long after its
 * instance launched never will (a bootstrap hung installing Node or Docker,
 * or fetching the runner): the run is failed and reconcile ends the
 * instance. Boot, installs and the fetch take minutes; waiting for spot
 * capacity does not count, as the clock starts at the instance's launch.
 */
export const RUNNER_START_DEADLINE_MS = 30 * 60_000;

export interface AwsComputeDeps {
  config: AwsBackendConfig;
  ec2: EC2Client;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
  storage: Storage;
  /** DSTACK_HOME: the local launch ledger lives there. */
  home: string;
  /** Path of the single-file runner bundle (runner.mjs) to upload to the bucket. */
  runnerBundle: () => Promise<string>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Backoff while IAM propagates a new instance profile (ms); tests shorten it. */
  propagationDelays?: number[];
  /** IMDS address (AWS_EC2_METADATA_SERVICE_ENDPOINT), AWS_EC2_METADATA_DISABLED and DSTACK_SPOT_POLL_MS; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export class AwsCompute implements Compute {
  private readonly ledger: Ledger;
  private readonly jobs: JobStore;
  private types?: Promise<TypeInfo[]>;
  private readonly identities = new Map<string, Promise<InstanceIdentity>>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly d: AwsComputeDeps) {
    this.ledger = new Ledger(d.storage, ledgerPath(d.home));
    this.jobs = new JobStore(d.storage);
    this.sleep = d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = d.now ?? Date.now;
  }

  private get region(): string {
    return this.d.config.region;
  }

  private get bucket(): string {
    return this.d.config.bucket;
  }

  async offer(job: Job): Promise<InstanceOffer> {
    this.types ??= describeTypes(this.d.ec2, this.region).catch((err) => {
      this.types = undefined;
      throw err;
    });
    return chooseType(await this.types, job.resources, this.region);
  }

  /** The repo's instance role, created once per backend and repo; secrets need its ARN too. */
  instanceIdentity(repo: string): Promise<InstanceIdentity> {
    let identity = this.identities.get(repo);
    if (!identity) {
      identity = ensureInstanceIdentity(this.d.iam, this.bucket, repo).catch((err) => {
        this.identities.delete(repo);
        throw err;
      });
      this.identities.set(repo, identity);
    }
    return identity;
  }

  /** Uploads the runner bundle under a content-hash version, once; returns its key. */
  private async runnerKey(): Promise<string> {
    return uploadRunnerBundle(this.d.storage, await this.d.runnerBundle());
  }

  async launch(job: Job): Promise<void> {
    const offer = job.offer ?? (await this.offer(job));
    const runnerKey = await this.runnerKey();
    const identity = await this.instanceIdentity(job.repo);
    await ensureLogGroup(this.d.logs, names.jobLogGroup(this.bucket, job.repo));
    await ensureLogGroup(this.d.logs, names.runnerLogGroup(this.bucket));
    const image = await findImage(this.d.ec2, offer.gpu ? 'gpu' : 'cpu', this.region);
    const subnets = await findSubnets(this.d.ec2, this.region, this.d.config.subnet);
    const securityGroupId = await ensureSecurityGroup(this.d.ec2, this.bucket, subnets[0]!.vpcId, this.region, job.ports);
    const intent: LaunchIntent = {
      bucket: this.bucket,
      region: this.region,
      repo: job.repo,
      jobId: job.id,
      clientToken: clientToken(this.bucket, job.id, subnets[0]!.subnetId),
      createdAt: this.now(),
    };
    await this.ledger.intend(intent);
    let instanceId: string;
    try {
      instanceId = await runInstance(
        this.d.ec2,
        { job, bucket: this.bucket, region: this.region, offer, image, subnets, securityGroupId, profileName: identity.profileName, userData: renderUserData(job, this.d.config, { runnerKey }) },
        { sleep: this.sleep, ...(this.d.propagationDelays ? { delays: this.d.propagationDelays } : {}) },
      );
    } catch (err) {
      // Nothing started (or reconcile will find it by its tags): the intent is settled.
      await this.ledger.settle(intent).catch(() => undefined);
      throw err;
    }
    try {
      await this.ledger.launched(intent, instanceId);
    } catch (err) {
      // Never leave a half-provisioned run: an instance nobody recorded is ended now.
      await terminate(this.d.ec2, [instanceId], this.region).catch(() => undefined);
      await this.ledger.settle(intent).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The runner on the instance polls the stop request in the bucket (written
   * by the core before this is called), so there is no process to signal.
   */
  async signal(_job: Job, _abort: boolean): Promise<void> {}

  /** On a spot instance, the runner polls IMDS for the interruption notice (DSTACK_SPOT_POLL_MS, default 5 s). */
  watchInterruption(job: Job, onNotice: (reason: string) => void): () => void {
    const env = this.d.env ?? process.env;
    const spot = job.offer?.spot ?? job.resources.interruptible;
    if (!spot || env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true') return () => undefined;
    const pollMs = Number(env.DSTACK_SPOT_POLL_MS);
    return watchSpotInterruption(new ImdsClient({ endpoint: imdsEndpoint(env) }), onNotice, pollMs > 0 ? { pollMs } : {});
  }

  async isAlive(job: Job): Promise<boolean> {
    const up = (await this.instancesOf(job)).filter((i) => i.state !== 'stopped');
    if (up.length) return !up.every((i) => this.runnerNeverStarted(job, i));
    const intent = await this.ledger.get(job.repo, job.id);
    return Boolean(intent && this.now() - intent.createdAt < LAUNCH_GRACE_MS);
  }

  /** The job's instances, newest first: in LIVE_STATES, or in any state EC2 still lists. */
  private async instancesOf(job: Job, states?: string[]): Promise<TaggedResource[]> {
    const found = await describeInstances(this.d.ec2, this.bucket, this.region, [{ Name: `tag:${tags.job}`, Values: [job.id] }], states);
    return found.filter((i) => i.repo === job.repo).sort((a, b) => (b.launchedAt ?? 0) - (a.launchedAt ?? 0));
  }

  private runnerNeverStarted(job: Job, i: TaggedResource): boolean {
    return job.status === 'submitted' && i.launchedAt !== undefined && this.now() - i.launchedAt > RUNNER_START_DEADLINE_MS;
  }

  /** What EC2 says happened to the job's instance, for a job whose runner is gone. */
  async whyGone(job: Job): Promise<string | undefined> {
    const when = job.status === 'submitted' ? 'before the runner started' : `while the job was ${job.status}`;
    // Before the runner, only the bootstrap can have ended the machine itself (shutdown on failure): its log says why.
    const bootLog = job.status === 'submitted' ? ` The bootstrap's log is in CloudWatch group ${names.runnerLogGroup(this.bucket)}, stream ${job.id.replace(/[:*]/g, '_')}.` : '';
    const last = (await this.instancesOf(job, ALL_STATES))[0];
    if (last && this.runnerNeverStarted(job, last) && (last.state === 'pending' || last.state === 'running')) {
      return `The runner did not start within ${RUNNER_START_DEADLINE_MS / 60_000} minutes of instance ${last.id}'s launch, so the instance is terminated.${bootLog}`;
    }
    if (last) {
      const how = last.state === 'stopped' || last.state === 'stopping' ? 'stopped' : 'terminated';
      const byItself = !last.reason || last.reason.startsWith('Client.UserInitiatedShutdown');
      return `The instance ${last.id} was ${how} ${when}${last.reason ? `: ${last.reason.replace(/\.$/, '')}` : ''}.${byItself ? bootLog : ''}`;
    }
    const instanceId = (await this.ledger.get(job.repo, job.id))?.instanceId;
    if (instanceId) return `The instance ${instanceId} ended ${when}, over an hour ago (EC2 no longer lists it).${bootLog}`;
    return job.status === 'submitted' ? 'No instance was found for this run: it never started, or ended over an hour ago.' : undefined;
  }

  /**
   * Terminates the job's instance and cancels its spot request, for an
   * abort before the runner started (nobody would read the stop request).
   * A launch still in flight shows nothing yet and is left to its runner,
   * which reads the stop request when it starts.
   */
  async cancel(job: Job): Promise<string | undefined> {
    const instances = (await this.instancesOf(job)).map((i) => i.id);
    const spots = (await describeSpotRequests(this.d.ec2, this.bucket, this.region)).filter((s) => s.jobId === job.id && s.repo === job.repo).map((s) => s.id);
    if (!instances.length && !spots.length) return undefined;
    await cancelSpot(this.d.ec2, spots, this.region);
    await terminate(this.d.ec2, instances, this.region);
    const intent = await this.ledger.get(job.repo, job.id);
    if (intent) await this.ledger.settle(intent);
    return instances.length ? `instance ${instances.join(', ')} was terminated` : `spot request ${spots.join(', ')} was cancelled`;
  }

  async reconcile(): Promise<void> {
    const jobIsLive = jobLiveness(this.jobs);
    const instances = await describeInstances(this.d.ec2, this.bucket, this.region);
    const orphans: string[] = [];
    for (const i of instances) if (!(await jobIsLive(i.repo, i.jobId))) orphans.push(i.id);
    await terminate(this.d.ec2, orphans, this.region);
    const spots = await describeSpotRequests(this.d.ec2, this.bucket, this.region);
    const dead: string[] = [];
    for (const s of spots) if (!(await jobIsLive(s.repo, s.jobId))) dead.push(s.id);
    await cancelSpot(this.d.ec2, dead, this.region);
    const running = new Set(instances.filter((i) => !orphans.includes(i.id)).map((i) => `${i.repo}\n${i.jobId}`));
    for (const intent of await this.ledger.open(this.bucket)) {
      if (running.has(`${intent.repo}\n${intent.jobId}`)) continue;
      const young = this.now() - intent.createdAt < LAUNCH_GRACE_MS;
      if (!young || !(await jobIsLive(intent.repo, intent.jobId))) await this.ledger.settle(intent);
    }
  }
}
