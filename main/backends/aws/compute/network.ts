/**
 * Where an instance goes: the configured subnet, or the default VPC's
 * subnets (one per zone, tried in turn when a zone has no capacity), and a
 * security group of dstack's that has no inbound rule unless the workflow
 * asks for ports. The seed policy cannot delete security groups, so groups
 * are found by name and reused.
 */
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DstackError } from '../../../common/errors';
import { aws, awsErrorCode, mapAwsError } from '../errors';
import { names, tags } from '../names';

export interface SubnetChoice {
  subnetId: string;
  vpcId: string;
  zone: string;
}

/** First port of the range opened when a workflow asks for `ports`. */
export const FIRST_PORT = 3000;

export async function findSubnets(ec2: EC2Client, region: string, configured?: string): Promise<SubnetChoice[]> {
  const out = await aws({ action: 'ec2:DescribeSubnets', region }, () =>
    ec2.send(
      new DescribeSubnetsCommand(configured ? { SubnetIds: [configured] } : { Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
    ),
  );
  const subnets = (out.Subnets ?? [])
    .filter((s) => s.SubnetId && s.VpcId)
    .map((s) => ({ subnetId: s.SubnetId!, vpcId: s.VpcId!, zone: s.AvailabilityZone ?? '' }))
    .sort((a, b) => a.zone.localeCompare(b.zone));
  if (!subnets.length) {
    throw configured
      ? new DstackError('config', `The subnet ${configured} does not exist in ${region}.`, { fix: 'Fix the subnet in the AWS settings, or clear it to use the default VPC.' })
      : new DstackError('config', `There is no default VPC in ${region}.`, {
          fix: `Create one with \`aws ec2 create-default-vpc --region ${region}\`, or set a subnet in the AWS settings.`,
        });
  }
  return subnets;
}

async function findGroup(ec2: EC2Client, name: string, vpcId: string, region: string): Promise<string | undefined> {
  const out = await aws({ action: 'ec2:DescribeSecurityGroups', region }, () =>
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }, { Name: 'vpc-id', Values: [vpcId] }] })),
  );
  return out.SecurityGroups?.[0]?.GroupId;
}

/** The group for this bucket in this VPC, created on first use; with `ports`, TCP FIRST_PORT.. is open. */
export async function ensureSecurityGroup(ec2: EC2Client, bucket: string, vpcId: string, region: string, ports = 0): Promise<string> {
  const name = names.securityGroup(bucket, ports);
  const found = await findGroup(ec2, name, vpcId, region);
  if (found) return found;
  let groupId: string;
  try {
    const out = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: ports > 0 ? `dstack runners of ${bucket}, ports ${FIRST_PORT}-${FIRST_PORT + ports - 1}` : `dstack runners of ${bucket}: outbound only`,
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: tags.bucket, Value: bucket }] }],
      }),
    );
    groupId = out.GroupId!;
  } catch (err) {
    if (awsErrorCode(err) === 'InvalidGroup.Duplicate') {
      const again = await findGroup(ec2, name, vpcId, region);
      if (again) return again;
    }
    throw mapAwsError(err, { action: 'ec2:CreateSecurityGroup', region });
  }
  if (ports > 0) {
    await aws({ action: 'ec2:AuthorizeSecurityGroupIngress', region }, () =>
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: FIRST_PORT, ToPort: FIRST_PORT + ports - 1, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'dstack workflow ports' }] }],
        }),
      ),
    );
  }
  return groupId;
}
