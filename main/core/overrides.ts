/**
 * One run's resource overrides on top of the workflow's own. Both the offer
 * shown before launch and the submit use this, so the price a user sees is
 * the price of the instance the job gets.
 */
import { InvalidArgumentError } from '../common/errors';
import type { ResourceOverrides, Resources } from '../common/job';
import { parseMemory } from './workflow/memory';

/** The workflow's resources with the overrides on top; a bad memory size is refused with the fix. */
export function applyOverrides(resources: Resources, o: ResourceOverrides | undefined): Resources {
  if (!o) return resources;
  const out = { ...resources };
  if (o.cpu !== undefined) {
    if (!Number.isInteger(o.cpu) || o.cpu < 1) throw new InvalidArgumentError(`Invalid CPU count "${o.cpu}".`, 'Give a whole number of CPUs, 1 or more.');
    out.cpu = o.cpu;
  }
  if (o.memory !== undefined) {
    const mib = parseMemory(o.memory);
    if (mib === undefined || mib === 0) throw new InvalidArgumentError(`Invalid memory "${o.memory}".`, 'Write a size with its unit, such as 16GB.');
    out.memoryMiB = mib;
  }
  if (o.gpu !== undefined) {
    if (!Number.isInteger(o.gpu) || o.gpu < 0) throw new InvalidArgumentError(`Invalid GPU count "${o.gpu}".`, 'Give a whole number of GPUs, 0 for none.');
    out.gpu = o.gpu > 0 ? { ...out.gpu, count: o.gpu } : undefined;
  }
  if (o.spot !== undefined) out.interruptible = o.spot;
  return out;
}
