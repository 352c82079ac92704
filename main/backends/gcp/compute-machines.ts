/**
 * Machine choice on Compute Engine: the cheapest machine type that fits a
 * job's cpu, memory and GPU request, from a bundled table with hourly
 * prices (us-central1 list prices, on-demand and spot; other regions differ
 * by up to about a fifth, which the shown price does not follow). Bundled
 * rather than asked of the Cloud Billing catalog: that API needs its own
 * enablement and permission, and a price is shown before anything starts.
 *
 * CPU jobs get e2 or n2; GPU jobs get n1 with T4, V100 or P100 attached
 * (within Google's vCPU and memory limits per GPU count), a2 for A100 and
 * g2 for L4, whose GPUs come with the machine type.
 */
import { DstackError } from '../../common/errors';
import type { InstanceOffer, Resources } from '../../common/job';

/** What a job gets when its workflow names no resources, as on AWS: room for Docker and a small script. */
export const DEFAULT_CPU = 2;
export const DEFAULT_MEMORY_MIB = 4096;

export interface GcpMachine {
  machineType: string;
  cpu: number;
  memoryMiB: number;
  /** USD per hour, on-demand and spot, GPUs included. */
  price: number;
  spotPrice: number;
  gpu?: { name: string; count: number; memoryMiB: number };
  /** Set for n1 + attached GPUs: instances.insert names them in guestAccelerators. */
  acceleratorType?: string;
}

const GiB = 1024;
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/** Family, vCPU counts, memory per vCPU (GiB), on-demand price per vCPU-hour with its memory, spot as a share of it. */
const CPU_FAMILIES: [string, number[], number, number, number][] = [
  ['e2-highcpu', [2, 4, 8, 16, 32], 1, 0.024734, 0.3],
  ['e2-standard', [2, 4, 8, 16, 32], 4, 0.033503, 0.3],
  ['e2-highmem', [2, 4, 8, 16], 8, 0.045208, 0.3],
  ['n2-standard', [2, 4, 8, 16, 32, 48, 64, 80, 96, 128], 4, 0.048559, 0.32],
  ['n2-highmem', [2, 4, 8, 16, 32, 48, 64, 80, 96], 8, 0.065507, 0.32],
];

/** n1 machine types GPUs attach to: vCPUs, memory per vCPU (GiB), price per vCPU-hour. */
const N1_FAMILIES: [string, number[], number, number][] = [
  ['n1-standard', [1, 2, 4, 8, 16, 32, 64, 96], 3.75, 0.04749975],
  ['n1-highmem', [2, 4, 8, 16, 32, 64, 96], 6.5, 0.0592],
];
const N1_SPOT_SHARE = 0.3;

/** GPUs attachable to n1: the accelerator type, memory, price per GPU-hour (on-demand, spot) and per count the most vCPUs and memory (GiB) allowed. */
const ATTACHED: { name: string; type: string; memoryMiB: number; price: number; spot: number; limits: Record<number, [number, number]> }[] = [
  { name: 'T4', type: 'nvidia-tesla-t4', memoryMiB: 16 * GiB, price: 0.35, spot: 0.14, limits: { 1: [48, 312], 2: [48, 312], 4: [96, 624] } },
  { name: 'P100', type: 'nvidia-tesla-p100', memoryMiB: 16 * GiB, price: 1.46, spot: 0.584, limits: { 1: [16, 104], 2: [32, 208], 4: [64, 208] } },
  { name: 'V100', type: 'nvidia-tesla-v100', memoryMiB: 16 * GiB, price: 2.48, spot: 0.992, limits: { 1: [12, 78], 2: [24, 156], 4: [48, 312], 8: [96, 624] } },
];

/** Accelerator-optimized types, GPUs built in: type, vCPUs, memory (GiB), GPU, count, GPU memory (GiB), on-demand price, spot share. */
const BUILT_IN: [string, number, number, string, number, number, number, number][] = [
  ['a2-highgpu-1g', 12, 85, 'A100', 1, 40, 3.673385, 0.35],
  ['a2-highgpu-2g', 24, 170, 'A100', 2, 40, 7.34677, 0.35],
  ['a2-highgpu-4g', 48, 340, 'A100', 4, 40, 14.69354, 0.35],
  ['a2-highgpu-8g', 96, 680, 'A100', 8, 40, 29.38708, 0.35],
  ['a2-megagpu-16g', 96, 1360, 'A100', 16, 40, 55.739504, 0.35],
  ['a2-ultragpu-1g', 12, 170, 'A100', 1, 80, 5.0688, 0.35],
  ['a2-ultragpu-2g', 24, 340, 'A100', 2, 80, 10.1376, 0.35],
  ['a2-ultragpu-4g', 48, 680, 'A100', 4, 80, 20.2752, 0.35],
  ['a2-ultragpu-8g', 96, 1360, 'A100', 8, 80, 40.5504, 0.35],
  ['g2-standard-4', 4, 16, 'L4', 1, 24, 0.70683, 0.4],
  ['g2-standard-8', 8, 32, 'L4', 1, 24, 0.85362, 0.4],
  ['g2-standard-12', 12, 48, 'L4', 1, 24, 1.00041, 0.4],
  ['g2-standard-16', 16, 64, 'L4', 1, 24, 1.1472, 0.4],
  ['g2-standard-32', 32, 128, 'L4', 1, 24, 1.73436, 0.4],
  ['g2-standard-24', 24, 96, 'L4', 2, 24, 2.00082, 0.4],
  ['g2-standard-48', 48, 192, 'L4', 4, 24, 4.00164, 0.4],
  ['g2-standard-96', 96, 384, 'L4', 8, 24, 8.00328, 0.4],
];

function buildTable(): GcpMachine[] {
  const out: GcpMachine[] = [{ machineType: 'e2-medium', cpu: 2, memoryMiB: 4 * GiB, price: 0.033503, spotPrice: 0.01005 }];
  for (const [family, sizes, memPerCpu, perCpu, spotShare] of CPU_FAMILIES) {
    for (const n of sizes) out.push({ machineType: `${family}-${n}`, cpu: n, memoryMiB: n * memPerCpu * GiB, price: round(n * perCpu), spotPrice: round(n * perCpu * spotShare) });
  }
  for (const g of ATTACHED) {
    for (const [count, [maxCpu, maxMemGiB]] of Object.entries(g.limits).map(([c, l]) => [Number(c), l] as const)) {
      for (const [family, sizes, memPerCpu, perCpu] of N1_FAMILIES) {
        for (const n of sizes.filter((s) => s <= maxCpu && s * memPerCpu <= maxMemGiB)) {
          out.push({
            machineType: `${family}-${n}`,
            cpu: n,
            memoryMiB: Math.round(n * memPerCpu * GiB),
            price: round(n * perCpu + count * g.price),
            spotPrice: round(n * perCpu * N1_SPOT_SHARE + count * g.spot),
            gpu: { name: g.name, count, memoryMiB: g.memoryMiB },
            acceleratorType: g.type,
          });
        }
      }
    }
  }
  for (const [machineType, cpu, memGiB, name, count, gpuGiB, price, spotShare] of BUILT_IN) {
    out.push({ machineType, cpu, memoryMiB: memGiB * GiB, price, spotPrice: round(price * spotShare), gpu: { name, count, memoryMiB: gpuGiB * GiB } });
  }
  return out;
}

/** Every machine the backend may choose, with its price. */
export const GCP_MACHINES: readonly GcpMachine[] = buildTable();

const gib = (mib: number): string => `${Math.round((mib / GiB) * 10) / 10} GiB`;

function describeRequest(r: Resources): string {
  const parts = [`${r.cpu ?? DEFAULT_CPU} vCPUs`, `${gib(r.memoryMiB ?? DEFAULT_MEMORY_MIB)} memory`];
  if (r.gpu && r.gpu.count > 0) parts.push(`${r.gpu.count} × ${r.gpu.name ?? 'any'} GPU${r.gpu.memoryMiB ? ` with ${gib(r.gpu.memoryMiB)}` : ''}`);
  return parts.join(', ');
}

function describeMachine(m: GcpMachine): string {
  const gpu = m.gpu ? `, ${m.gpu.count} × ${m.gpu.name} (${gib(m.gpu.memoryMiB)})` : '';
  return `${m.machineType} (${m.cpu} vCPUs, ${gib(m.memoryMiB)}${gpu})`;
}

/** The largest of a pool by what the request ran out of: GPUs, then vCPUs, then memory. */
function largest(pool: GcpMachine[], by: (m: GcpMachine) => number): GcpMachine {
  return pool.reduce((a, b) => (by(b) > by(a) ? b : a));
}

/** Why nothing fits, naming the largest machine that was available for the request. */
function whyNothingFits(r: Resources): string {
  const g = r.gpu && r.gpu.count > 0 ? r.gpu : undefined;
  const pool = GCP_MACHINES.filter((m) => Boolean(m.gpu) === Boolean(g));
  if (g) {
    const names = [...new Set(pool.map((m) => m.gpu!.name))];
    const named = g.name ? pool.filter((m) => m.gpu!.name.toLowerCase() === g.name!.toLowerCase()) : pool;
    if (!named.length) return `there are no ${g.name} GPUs on Compute Engine here (available: ${names.join(', ')})`;
    const most = largest(named, (m) => m.gpu!.count);
    if (most.gpu!.count < g.count) return `the most ${g.name ? `${g.name} ` : ''}GPUs in one machine is ${most.gpu!.count}, in ${describeMachine(most)}`;
    const roomiest = largest(named, (m) => m.gpu!.memoryMiB);
    if (g.memoryMiB && roomiest.gpu!.memoryMiB < g.memoryMiB) return `the largest GPU memory is ${gib(roomiest.gpu!.memoryMiB)}, in ${describeMachine(roomiest)}`;
    const fitting = named.filter((m) => m.gpu!.count >= g.count && (!g.memoryMiB || m.gpu!.memoryMiB >= g.memoryMiB));
    const cpu = largest(fitting, (m) => m.cpu);
    if ((r.cpu ?? DEFAULT_CPU) > cpu.cpu) return `with those GPUs the largest is ${describeMachine(cpu)}`;
    return `with those GPUs the largest is ${describeMachine(largest(fitting, (m) => m.memoryMiB))}`;
  }
  const cpu = largest(pool, (m) => m.cpu);
  if ((r.cpu ?? DEFAULT_CPU) > cpu.cpu) return `the largest is ${describeMachine(cpu)}`;
  return `the largest is ${describeMachine(largest(pool, (m) => m.memoryMiB))}`;
}

/** The cheapest machine meeting `r` in `region`; throws a `capacity` error naming the largest available when none does. */
export function chooseMachine(r: Resources, region: string): { offer: InstanceOffer; machine: GcpMachine } {
  const cpu = r.cpu ?? DEFAULT_CPU;
  const mem = r.memoryMiB ?? DEFAULT_MEMORY_MIB;
  const g = r.gpu && r.gpu.count > 0 ? r.gpu : undefined;
  const price = (m: GcpMachine): number => (r.interruptible ? m.spotPrice : m.price);
  const fits = GCP_MACHINES.filter((m) => {
    if (m.cpu < cpu || m.memoryMiB < mem) return false;
    if (!g) return !m.gpu;
    if (!m.gpu || m.gpu.count < g.count) return false;
    if (g.name && m.gpu.name.toLowerCase() !== g.name.toLowerCase()) return false;
    return !(g.memoryMiB && m.gpu.memoryMiB < g.memoryMiB);
  }).sort((a, b) => price(a) - price(b) || a.machineType.localeCompare(b.machineType));
  const best = fits[0];
  if (!best) {
    throw new DstackError('capacity', `No Compute Engine machine fits ${describeRequest(r)}: ${whyNothingFits(r)}.`, {
      fix: 'Lower the resources in the workflow (or with `dstack run --cpu/--memory/--gpu`).',
    });
  }
  const offer: InstanceOffer = {
    instanceType: best.gpu && best.acceleratorType ? `${best.machineType} + ${best.gpu.count} × ${best.gpu.name}` : best.machineType,
    pricePerHour: price(best),
    spot: r.interruptible,
    region,
    cpu: best.cpu,
    memoryMiB: best.memoryMiB,
    ...(best.gpu ? { gpu: best.gpu } : {}),
  };
  return { offer, machine: best };
}

/** The machine an offer stands for, found again by its name (a job stores the offer, not the table row). */
export function machineOf(offer: InstanceOffer): GcpMachine | undefined {
  return GCP_MACHINES.find((m) => m.cpu === offer.cpu && m.memoryMiB === offer.memoryMiB && offer.instanceType.split(' ')[0] === m.machineType && (m.gpu?.name ?? '') === (offer.gpu?.name ?? '') && (m.gpu?.count ?? 0) === (offer.gpu?.count ?? 0));
}
