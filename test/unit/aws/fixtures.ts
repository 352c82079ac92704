/**
 * Shared fixtures for the AWS backend's unit tests: a job record, EC2/IAM
 * mocks answering like a fresh account with a default VPC, and real local
 * storage in a temp folder.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import type { Job } from '../../../main/common/job';
import { LocalStorage } from '../../../main/backends/local/storage';
import { jobRecord } from '../../helpers/job-record';

export const BUCKET = 'dstack-142421590066-eu-west-1';
export const REGION = 'eu-west-1';
export const ACCOUNT = '142421590066';

/** A job of the AWS backend's, at a fixed time; `over` names what a test changes. */
export function makeJob(over: Partial<Job> = {}): Job {
  return jobRecord({
    id: 'grumpy-zebra-1,train,0',
    runName: 'grumpy-zebra-1',
    repo: 'acme/mnist',
    backend: 'aws',
    submittedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    commands: ['python train.py'],
    code: { key: 'code/acme/mnist/abc.tar.gz', hash: 'abc', files: 1, bytes: 10 },
    ...over,
  });
}

export async function tempStorage(): Promise<{ storage: LocalStorage; home: string }> {
  const home = await mkdtemp(join(tmpdir(), 'dstack-aws-'));
  return { storage: new LocalStorage(join(home, 'local', 'storage')), home };
}

function type(name: string, cpu: number, memGiB: number, gpu?: { name: string; count: number; memGiB: number }): InstanceTypeInfo {
  return {
    InstanceType: name as InstanceTypeInfo['InstanceType'],
    VCpuInfo: { DefaultVCpus: cpu },
    MemoryInfo: { SizeInMiB: memGiB * 1024 },
    SupportedUsageClasses: ['on-demand', 'spot'],
    ...(gpu ? { GpuInfo: { Gpus: [{ Name: gpu.name, Manufacturer: 'NVIDIA', Count: gpu.count, MemoryInfo: { SizeInMiB: gpu.memGiB * 1024 } }] } } : {}),
  };
}

/** Two pages, as DescribeInstanceTypes returns them. */
export const TYPES_PAGE_1: InstanceTypeInfo[] = [
  type('t3.medium', 2, 4),
  type('t3.large', 2, 8),
  type('m5.xlarge', 4, 16),
  type('c5.2xlarge', 8, 16),
  type('g4dn.xlarge', 4, 16, { name: 'T4', count: 1, memGiB: 16 }),
];
export const TYPES_PAGE_2: InstanceTypeInfo[] = [
  type('g4dn.12xlarge', 48, 192, { name: 'T4', count: 4, memGiB: 16 }),
  type('g5.xlarge', 4, 16, { name: 'A10G', count: 1, memGiB: 24 }),
  type('p3.2xlarge', 8, 61, { name: 'V100', count: 1, memGiB: 16 }),
  type('r5.4xlarge', 16, 128),
];

export const SUBNETS = [
  { SubnetId: 'subnet-b', VpcId: 'vpc-1', AvailabilityZone: 'eu-west-1b', DefaultForAz: true },
  { SubnetId: 'subnet-a', VpcId: 'vpc-1', AvailabilityZone: 'eu-west-1a', DefaultForAz: true },
];

export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/dstack_role_dstack_142421590066_eu_west_1`;

/** EC2 and IAM as a fresh account sees them: a default VPC, nothing of dstack's yet. */
export function mockEc2Iam() {
  const ec2 = mockClient(EC2Client);
  const iam = mockClient(IAMClient);
  ec2.on(DescribeInstanceTypesCommand).callsFake((input: { NextToken?: string }) =>
    input.NextToken ? { InstanceTypes: TYPES_PAGE_2 } : { InstanceTypes: TYPES_PAGE_1, NextToken: 'page-2' },
  );
  ec2.on(DescribeImagesCommand).resolves({
    Images: [
      { ImageId: 'ami-old', Name: 'old', CreationDate: '2024-01-01T00:00:00.000Z', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }] },
      { ImageId: 'ami-new', Name: 'new', CreationDate: '2024-06-01T00:00:00.000Z', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }] },
    ],
  });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: SUBNETS });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-1' });
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0123' }] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeSpotInstanceRequestsCommand).resolves({ SpotInstanceRequests: [] });
  iam.on(GetRoleCommand).rejects(Object.assign(new Error('The role cannot be found.'), { name: 'NoSuchEntity' }));
  iam.on(CreateRoleCommand).resolves({ Role: { RoleName: 'r', Arn: ROLE_ARN, Path: '/', RoleId: 'x', CreateDate: new Date() } });
  iam.on(CreatePolicyCommand).callsFake((input: { PolicyName?: string }) => ({ Policy: { Arn: `arn:aws:iam::${ACCOUNT}:policy/${input.PolicyName}` } }));
  iam.on(AttachRolePolicyCommand).resolves({});
  iam.on(GetInstanceProfileCommand).rejects(Object.assign(new Error('not found'), { name: 'NoSuchEntity' }));
  iam.on(CreateInstanceProfileCommand).resolves({
    InstanceProfile: { InstanceProfileName: 'p', Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/dstack_role_dstack_142421590066_eu_west_1`, Path: '/', InstanceProfileId: 'x', CreateDate: new Date(), Roles: [] },
  });
  iam.on(AddRoleToInstanceProfileCommand).resolves({});
  return { ec2, iam };
}

/** An SDK-shaped service error. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' });
}
