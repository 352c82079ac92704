/**
 * Chooses the instance type for a job: of the types EC2 offers in the region
 * (DescribeInstanceTypes, every page) and the bundled table prices, the
 * cheapest that meets the job's cpu, memory and GPU request. When nothing
 * fits, the error says which requirement no type meets.
 */
import { DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { DstackError } from '../../../common/errors';
import type { InstanceOffer, Resources } from '../../../common/job';
import { aws } from '../errors';
import { hourlyPrice, pricedTypes } from './prices';

/** What a job gets when its workflow names no resources: room for Docker and a small script. */
export const DEFAULT_CPU = 2;
export const DEFAULT_MEMORY_MIB = 4096;

export interface TypeInfo {
  instanceType: string;
  cpu: number;
  memoryMiB: number;
  spot: boolean;
  gpu?: { name: string; count: number; memoryMiB: number };
}

function toInfo(t: InstanceTypeInfo): TypeInfo | undefined {
  if (!t.InstanceType || !t.VCpuInfo?.DefaultVCpus || !t.MemoryInfo?.SizeInMiB) return undefined;
  const g = t.GpuInfo?.Gpus?.[0];
  return {
    instanceType: t.InstanceType,
    cpu: t.VCpuInfo.DefaultVCpus,
    memoryMiB: t.MemoryInfo.SizeInMiB,
    spot: (t.SupportedUsageClasses ?? []).includes('spot'),
    ...(g ? { gpu: { name: g.Name ?? 'GPU', count: g.Count ?? 1, memoryMiB: g.MemoryInfo?.SizeInMiB ?? 0 } } : {}),
  };
}

/** Every x86_64 type in the region from the families the price table covers. */
export async function describeTypes(ec2: EC2Client, region: string): Promise<TypeInfo[]> {
  const families = [...new Set(pricedTypes(region).map((t) => `${t.split('.')[0]}.*`))];
  const out: TypeInfo[] = [];
  let token: string | undefined;
  do {
    const page = await aws({ action: 'ec2:DescribeInstanceTypes', region }, () =>
      ec2.send(
        new DescribeInstanceTypesCommand({
          Filters: [
            { Name: 'instance-type', Values: families },
            { Name: 'processor-info.supported-architecture', Values: ['x86_64'] },
          ],
          MaxResults: 100,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    for (const t of page.InstanceTypes ?? []) {
      const info = toInfo(t);
      if (info) out.push(info);
    }
    token = page.NextToken;
  } while (token);
  return out;
}

function fmtGiB(mib: number): string {
  return `${Math.round((mib / 1024) * 10) / 10} GiB`;
}

function describeRequest(r: Resources): string {
  const parts = [`${r.cpu ?? DEFAULT_CPU} vCPUs`, `${fmtGiB(r.memoryMiB ?? DEFAULT_MEMORY_MIB)} memory`];
  if (r.gpu && r.gpu.count > 0) parts.push(`${r.gpu.count} × ${r.gpu.name ?? 'any'} GPU${r.gpu.memoryMiB ? ` with ${fmtGiB(r.gpu.memoryMiB)}` : ''}`);
  if (r.interruptible) parts.push('spot');
  return parts.join(', ');
}

/** Why no type fits: the first requirement that rules out every candidate. */
function whyNothingFits(types: TypeInfo[], r: Resources, region: string): string {
  const wantGpu = r.gpu && r.gpu.count > 0;
  const pool = types.filter((t) => Boolean(t.gpu) === Boolean(wantGpu));
  if (wantGpu) {
    const named = r.gpu!.name ? pool.filter((t) => t.gpu!.name.toLowerCase() === r.gpu!.name!.toLowerCase()) : pool;
    if (!named.length) return `no type in ${region} has ${r.gpu!.name} GPUs (available: ${[...new Set(pool.map((t) => t.gpu!.name))].join(', ') || 'none'})`;
    const maxCount = Math.max(...named.map((t) => t.gpu!.count));
    if (maxCount < r.gpu!.count) return `at most ${maxCount} ${r.gpu!.name ?? ''} GPUs come in one instance in ${region}`.replace('  ', ' ');
    const maxMem = Math.max(...named.map((t) => t.gpu!.memoryMiB));
    if (r.gpu!.memoryMiB && maxMem < r.gpu!.memoryMiB) return `the largest GPU memory in ${region} is ${fmtGiB(maxMem)} per GPU`;
  }
  const maxCpu = Math.max(0, ...pool.map((t) => t.cpu));
  if ((r.cpu ?? DEFAULT_CPU) > maxCpu) return `the largest type has ${maxCpu} vCPUs`;
  const maxMem = Math.max(0, ...pool.map((t) => t.memoryMiB));
  if ((r.memoryMiB ?? DEFAULT_MEMORY_MIB) > maxMem) return `the largest type has ${fmtGiB(maxMem)} of memory`;
  if (r.interruptible) return `none of the types that fit is offered as spot in ${region}`;
  return 'no single type meets all of the requirements together';
}

/** The cheapest priced type meeting `r`; throws a `capacity` error that says why when none does. */
export function chooseType(types: TypeInfo[], r: Resources, region: string): InstanceOffer {
  const cpu = r.cpu ?? DEFAULT_CPU;
  const mem = r.memoryMiB ?? DEFAULT_MEMORY_MIB;
  const g = r.gpu && r.gpu.count > 0 ? r.gpu : undefined;
  const fits = types.filter((t) => {
    if (t.cpu < cpu || t.memoryMiB < mem) return false;
    if (r.interruptible && !t.spot) return false;
    if (!g) return !t.gpu;
    if (!t.gpu || t.gpu.count < g.count) return false;
    if (g.name && t.gpu.name.toLowerCase() !== g.name.toLowerCase()) return false;
    return !(g.memoryMiB && t.gpu.memoryMiB < g.memoryMiB);
  });
  const priced = fits
    .map((t) => ({ t, price: hourlyPrice(region, t.instanceType, r.interruptible) }))
    .filter((x): x is { t: TypeInfo; price: number } => x.price !== undefined)
    .sort((a, b) => a.price - b.price || a.t.instanceType.localeCompare(b.t.instanceType));
  const best = priced[0];
  if (!best) {
    throw new DstackError('capacity', `No instance type fits ${describeRequest(r)}: ${whyNothingFits(types, r, region)}.`, {
      fix: 'Lower the resources in the workflow, or pick another region.',
    });
  }
  return {
    instanceType: best.t.instanceType,
    pricePerHour: best.price,
    spot: r.interruptible,
    region,
    cpu: best.t.cpu,
    memoryMiB: best.t.memoryMiB,
    ...(best.t.gpu ? { gpu: best.t.gpu } : {}),
  };
}
