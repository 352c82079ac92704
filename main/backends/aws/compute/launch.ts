/**
 * One RunInstances for one job, with everything the issue asks of it: the
 * instance profile, tags on the instance, its volume and its spot request,
 * terminate-on-shutdown, IMDSv2 only and for the host alone (hop limit 1),
 * spot as one-time/terminate, an
 * idempotent ClientToken, and the bootstrap as UserData. Retries ride out
 * IAM propagation and move to the next zone when one has no capacity.
 */
import { createHash } from 'node:crypto';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, RunInstancesCommandInput, Tag } from '@aws-sdk/client-ec2';
import type { Job } from '../../../common/job';
import type { InstanceOffer } from '../../../common/job';
import { DstackError } from '../../../common/errors';
import { awsErrorCode, mapAwsError } from '../errors';
import { isProfilePropagationError, PROPAGATION_DELAYS } from '../iam';
import { tags } from '../names';
import type { MachineImage } from './ami';
import type { SubnetChoice } from './network';

export interface LaunchPlan {
  job: Job;
  bucket: string;
  region: string;
  offer: InstanceOffer;
  image: MachineImage;
  subnets: SubnetChoice[];
  securityGroupId: string;
  profileName: string;
  userData: string;
}

/** Idempotency token: the same job in the same subnet is one instance, however often the call is retried. */
export function clientToken(bucket: string, jobId: string, subnetId: string): string {
  return createHash('sha256').update(`${bucket}/${jobId}/${subnetId}`).digest('hex').slice(0, 64);
}

export function jobTags(bucket: string, job: Job): Tag[] {
  return [
    { Key: 'Name', Value: `dstack ${job.runName}` },
    { Key: tags.bucket, Value: bucket },
    { Key: tags.run, Value: job.runName },
    { Key: tags.job, Value: job.id },
    { Key: tags.repo, Value: job.repo },
  ];
}

/** GPU images are large; CPU jobs get room for a few Docker images. */
export function rootVolumeGiB(image: MachineImage): number {
  return Math.max(image.rootSizeGiB, image.kind === 'gpu' ? 100 : 30);
}

export function runInstancesInput(p: LaunchPlan, subnet: SubnetChoice): RunInstancesCommandInput {
  const t = jobTags(p.bucket, p.job);
  return {
    ImageId: p.image.id,
    InstanceType: p.offer.instanceType as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    ClientToken: clientToken(p.bucket, p.job.id, subnet.subnetId),
    IamInstanceProfile: { Name: p.profileName },
    InstanceInitiatedShutdownBehavior: 'terminate',
    // Hop limit 1: only processes on the host (the runner) reach IMDS and the instance role; a container is one hop further.
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.subnetId, Groups: [p.securityGroupId], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
    BlockDeviceMappings: [{ DeviceName: p.image.rootDevice, Ebs: { VolumeSize: rootVolumeGiB(p.image), VolumeType: 'gp3', DeleteOnTermination: true } }],
    TagSpecifications: [
      { ResourceType: 'instance', Tags: t },
      { ResourceType: 'volume', Tags: t },
      ...(p.offer.spot ? [{ ResourceType: 'spot-instances-request' as const, Tags: t }] : []),
    ],
    ...(p.offer.spot
      ? { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } } }
      : {}),
    UserData: Buffer.from(p.userData, 'utf8').toString('base64'),
  };
}

const NEXT_ZONE_CODES = new Set(['InsufficientInstanceCapacity', 'Unsupported', 'InsufficientCapacity']);

export interface RunOptions {
  sleep: (ms: number) => Promise<void>;
  delays?: number[];
}

/** Runs the instance; returns its id. Errors are mapped for the user, naming type, region and quota. */
export async function runInstance(ec2: EC2Client, p: LaunchPlan, opts: RunOptions): Promise<string> {
  const ctx = { action: 'ec2:RunInstances', region: p.region, instanceType: p.offer.instanceType, spot: p.offer.spot };
  const delays = opts.delays ?? PROPAGATION_DELAYS;
  let lastCapacity: unknown;
  for (const subnet of p.subnets) {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await ec2.send(new RunInstancesCommand(runInstancesInput(p, subnet)));
        const id = out.Instances?.[0]?.InstanceId;
        if (!id) throw new DstackError('internal', 'RunInstances returned no instance.');
        return id;
      } catch (err) {
        if (isProfilePropagationError(err) && attempt < delays.length) {
          await opts.sleep(delays[attempt]!);
          continue;
        }
        if (NEXT_ZONE_CODES.has(awsErrorCode(err))) {
          lastCapacity = err;
          break;
        }
        if (isProfilePropagationError(err)) {
          throw new DstackError('unavailable', `The instance profile ${p.profileName} is still not usable after ${Math.round(delays.reduce((a, b) => a + b, 0) / 1000)} s.`, {
            fix: 'IAM changes can take a few minutes to reach EC2: run the workflow again shortly.',
            cause: err,
          });
        }
        throw mapAwsError(err, ctx);
      }
    }
  }
  throw mapAwsError(lastCapacity, ctx);
}
