/**
 * `resources:` — what the job needs from the machine. Sizes are converted to
 * MiB here so that instance matching and the local runner compare numbers,
 * never strings.
 */
import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import type { GpuRequest, Resources } from '../../common/job';
import type { FileReader } from './reader';
import { readBool, readCount, readMemory, readPositive, readText } from './values';

const RESOURCE_KEYS = ['cpu', 'memory', 'gpu', 'shm_size', 'interruptible'] as const;
const GPU_KEYS = ['name', 'count', 'memory'] as const;

function readGpu(r: FileReader, node: Node, field: string): GpuRequest | undefined {
  if (isScalar(node)) {
    const count = readCount(r, node, field, 0, {
      what: 'a GPU count',
      fix: 'use a whole number, e.g. gpu: 1, or a map, e.g. gpu: {name: A100, count: 1}',
    });
    return count ? { count } : undefined;
  }
  if (!isMap(node)) {
    r.wrong(node, field, 'a GPU request', 'use a number, e.g. gpu: 1, or a map, e.g. gpu: {name: A100, count: 1}');
    return undefined;
  }
  const { entries } = r.entries(node, field, GPU_KEYS);
  const gpu: GpuRequest = { count: 1 };
  const count = entries.get('count');
  if (count?.value) {
    const n = readCount(r, count.value, count.field, 1, { what: 'a GPU count', fix: 'use a whole number of at least 1, e.g. count: 1' });
    if (n !== undefined) gpu.count = n;
  }
  const name = entries.get('name');
  if (name?.value) {
    const n = readText(r, name.value, name.field, { what: 'a GPU name', fix: 'use a model name, e.g. name: A100' }, 'forbid');
    if (n !== undefined) gpu.name = n;
  }
  const memory = entries.get('memory');
  if (memory?.value) {
    const m = readMemory(r, memory.value, memory.field, '16GB');
    if (m !== undefined) gpu.memoryMiB = m;
  }
  return gpu;
}

/** Reads `resources`; absent keys stay undefined, `interruptible` defaults to false. */
export function readResources(r: FileReader, node: Node, field: string): Resources {
  const resources: Resources = { interruptible: false };
  if (!isMap(node)) {
    r.wrong(node, field, 'a map of resources', 'write e.g. resources: {cpu: 4, memory: "16GB", gpu: 1}');
    return resources;
  }
  const { entries } = r.entries(node, field, RESOURCE_KEYS);
  for (const e of entries.values()) {
    if (!e.value) continue;
    switch (e.key) {
      case 'cpu': {
        const cpu = readPositive(r, e.value, e.field, { what: 'a CPU count', fix: 'use a positive number, e.g. cpu: 4' });
        if (cpu !== undefined) resources.cpu = cpu;
        break;
      }
      case 'memory': {
        const mib = readMemory(r, e.value, e.field, '8GB');
        if (mib !== undefined) resources.memoryMiB = mib;
        break;
      }
      case 'shm_size': {
        const mib = readMemory(r, e.value, e.field, '1GB');
        if (mib !== undefined) resources.shmSizeMiB = mib;
        break;
      }
      case 'gpu': {
        const gpu = readGpu(r, e.value, e.field);
        if (gpu) resources.gpu = gpu;
        break;
      }
      case 'interruptible': {
        const b = readBool(r, e.value, e.field, 'use interruptible: true to allow spot instances');
        if (b !== undefined) resources.interruptible = b;
        break;
      }
    }
  }
  return resources;
}
