import { describe, expect, it } from 'vitest';
import { chooseMachine, GCP_MACHINES, machineOf } from '../../../main/backends/gcp/compute-machines';
import type { Resources } from '../../../main/common/job';

const GiB = 1024;
const offer = (r: Partial<Resources>) => chooseMachine({ interruptible: false, ...r }, 'us-central1').offer;
const machine = (r: Partial<Resources>) => chooseMachine({ interruptible: false, ...r }, 'us-central1').machine;

describe('the machine a GCP job gets (cheapest that fits, with its price)', () => {
  it('gives a job without resources an e2-medium, priced per hour for its region', () => {
    expect(offer({})).toEqual({ instanceType: 'e2-medium', pricePerHour: 0.033503, spot: false, region: 'us-central1', cpu: 2, memoryMiB: 4 * GiB });
  });

  it('takes e2 for CPU jobs while it fits, and n2 past e2\'s 32 vCPUs', () => {
    expect(offer({ cpu: 8, memoryMiB: 16 * GiB })).toMatchObject({ instanceType: 'e2-standard-8', pricePerHour: 0.268024, cpu: 8, memoryMiB: 32 * GiB });
    expect(offer({ cpu: 2, memoryMiB: 16 * GiB })).toMatchObject({ instanceType: 'e2-highmem-2' });
    expect(offer({ cpu: 64 })).toMatchObject({ instanceType: 'n2-standard-64', pricePerHour: 3.107776, cpu: 64 });
  });

  it('prices spot from the spot column and says the offer is spot', () => {
    const spot = offer({ cpu: 8, memoryMiB: 16 * GiB, interruptible: true });
    expect(spot).toMatchObject({ instanceType: 'e2-standard-8', spot: true });
    expect(spot.pricePerHour).toBeLessThan(offer({ cpu: 8, memoryMiB: 16 * GiB }).pricePerHour / 2);
  });

  it('attaches T4, P100 or V100 to the smallest n1 that fits, within the vCPUs each GPU count allows', () => {
    expect(offer({ gpu: { count: 1 } })).toEqual({
      instanceType: 'n1-standard-2 + 1 × T4', pricePerHour: 0.445, spot: false, region: 'us-central1', cpu: 2, memoryMiB: 7680, gpu: { name: 'T4', count: 1, memoryMiB: 16 * GiB },
    });
    expect(machine({ gpu: { count: 1 } })).toMatchObject({ machineType: 'n1-standard-2', acceleratorType: 'nvidia-tesla-t4' });
    expect(offer({ gpu: { count: 1, name: 'p100' } })).toMatchObject({ instanceType: 'n1-standard-2 + 1 × P100' });
    // One V100 allows at most 12 vCPUs: 16 vCPUs need a machine with two.
    expect(machine({ cpu: 16, gpu: { count: 1, name: 'V100' } })).toMatchObject({ machineType: 'n1-standard-16', acceleratorType: 'nvidia-tesla-v100', gpu: { count: 2 } });
  });

  it('takes a2 for A100 (ultra for 80 GB) and g2 for L4, whose GPUs come with the machine', () => {
    expect(machine({ gpu: { count: 1, name: 'A100' } })).toMatchObject({ machineType: 'a2-highgpu-1g', price: 3.673385 });
    expect(machine({ gpu: { count: 1, name: 'A100', memoryMiB: 80 * GiB } })).toMatchObject({ machineType: 'a2-ultragpu-1g' });
    expect(machine({ gpu: { count: 2, name: 'L4' } })).toMatchObject({ machineType: 'g2-standard-24', gpu: { name: 'L4', count: 2 } });
    expect(machine({ gpu: { count: 1, name: 'L4' } }).acceleratorType).toBeUndefined();
  });

  it('says plainly when nothing fits, naming the largest that is available', () => {
    expect(() => offer({ cpu: 512 })).toThrow('No Compute Engine machine fits 512 vCPUs, 4 GiB memory: the largest is n2-standard-128 (128 vCPUs, 512 GiB).');
    expect(() => offer({ memoryMiB: 2048 * GiB })).toThrow('No Compute Engine machine fits 2 vCPUs, 2048 GiB memory: the largest is n2-highmem-96 (96 vCPUs, 768 GiB).');
    expect(() => offer({ gpu: { count: 32, name: 'A100' } })).toThrow('the most A100 GPUs in one machine is 16, in a2-megagpu-16g (96 vCPUs, 1360 GiB, 16 × A100 (40 GiB)).');
    expect(() => offer({ gpu: { count: 1, name: 'H100' } })).toThrow('there are no H100 GPUs on Compute Engine here (available: T4, P100, V100, A100, L4).');
    expect(() => offer({ cpu: 128, gpu: { count: 1, name: 'V100' } })).toThrow('with those GPUs the largest is n1-standard-96 (96 vCPUs, 360 GiB, 8 × V100 (16 GiB)).');
    expect(() => offer({ gpu: { count: 1, memoryMiB: 100 * GiB } })).toThrow(expect.objectContaining({ code: 'capacity', fix: expect.stringContaining('Lower the resources') }));
  });

  it('finds the table row again from a stored offer, and has one price per machine and GPU set', () => {
    for (const r of [{}, { gpu: { count: 4, name: 'T4' } }, { gpu: { count: 8, name: 'L4' } }]) expect(machineOf(offer(r))).toEqual(machine(r));
    const ids = GCP_MACHINES.map((m) => `${m.machineType}/${m.gpu?.name ?? ''}/${m.gpu?.count ?? 0}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(GCP_MACHINES.every((m) => m.price > 0 && m.spotPrice > 0 && m.spotPrice < m.price)).toBe(true);
  });
});
