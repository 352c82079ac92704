/**
 * Picks the machine image: Amazon's own images only (owner `amazon`, so a
 * look-alike published by someone else can never be chosen), newest by
 * CreationDate. GPU jobs get the Deep Learning Base OSS Nvidia Driver AMI
 * (Ubuntu), which has the NVIDIA driver, Docker and the NVIDIA container
 * toolkit; CPU jobs get Amazon Linux 2023, and the bootstrap installs Docker.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, Image } from '@aws-sdk/client-ec2';
import { DstackError } from '../../../common/errors';
import { aws } from '../errors';

export const IMAGE_PATTERNS = {
  gpu: 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *',
  cpu: 'al2023-ami-2023.*-x86_64',
} as const;

export interface MachineImage {
  id: string;
  name: string;
  rootDevice: string;
  rootSizeGiB: number;
  kind: 'gpu' | 'cpu';
}

export async function findImage(ec2: EC2Client, kind: 'gpu' | 'cpu', region: string): Promise<MachineImage> {
  const images: Image[] = [];
  let token: string | undefined;
  do {
    const out = await aws({ action: 'ec2:DescribeImages', region }, () =>
      ec2.send(
        new DescribeImagesCommand({
          Owners: ['amazon'],
          Filters: [
            { Name: 'name', Values: [IMAGE_PATTERNS[kind]] },
            { Name: 'architecture', Values: ['x86_64'] },
            { Name: 'state', Values: ['available'] },
          ],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    images.push(...(out.Images ?? []));
    token = out.NextToken;
  } while (token);
  const newest = images.filter((i) => i.ImageId && i.CreationDate).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (!newest) {
    throw new DstackError('unavailable', `No Amazon image matching "${IMAGE_PATTERNS[kind]}" is available in ${region}.`, {
      fix: 'Pick another region in the AWS settings.',
    });
  }
  const rootDevice = newest.RootDeviceName ?? '/dev/xvda';
  const root = newest.BlockDeviceMappings?.find((m) => m.DeviceName === rootDevice);
  return { id: newest.ImageId!, name: newest.Name ?? '', rootDevice, rootSizeGiB: root?.Ebs?.VolumeSize ?? 8, kind };
}
