/**
 * Turns the run form's fields into a RunRequest. Args are split like a shell
 * would for the simple cases (spaces, single and double quotes), since that
 * is how users write them on the CLI.
 */
import type { RunRequest } from '../../../main/common/api/operations';
import { memoryProblem, tagNameProblem } from '../../../main/common/fields';

export interface RunFields {
  args: string;
  cpu: string;
  memory: string;
  gpu: string;
  /** '' keeps the workflow's `interruptible`. */
  spot: '' | 'spot' | 'on-demand';
  tag: string;
}

export const EMPTY_FIELDS: RunFields = { args: '', cpu: '', memory: '', gpu: '', spot: '', tag: '' };

export function splitArgs(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

export function toRequest(projectId: string, workflow: string, f: RunFields): RunRequest {
  const overrides: NonNullable<RunRequest['overrides']> = {};
  if (f.cpu.trim()) overrides.cpu = Number(f.cpu);
  if (f.memory.trim()) overrides.memory = f.memory.trim();
  if (f.gpu.trim()) overrides.gpu = Number(f.gpu);
  if (f.spot) overrides.spot = f.spot === 'spot';
  const req: RunRequest = { projectId, workflow, args: splitArgs(f.args) };
  if (Object.keys(overrides).length) req.overrides = overrides;
  if (f.tag.trim()) req.tag = f.tag.trim();
  return req;
}

/**
 * What is wrong with each field, in the words `main/` would use, so the run
 * form can say it as the user types instead of after Run. Empty fields are
 * fine: they keep the workflow's own values.
 */
export function fieldProblems(f: RunFields): Partial<Record<'cpu' | 'memory' | 'gpu' | 'tag', string>> {
  const out: Partial<Record<'cpu' | 'memory' | 'gpu' | 'tag', string>> = {};
  const cpu = f.cpu.trim();
  if (cpu && !(/^\d+$/.test(cpu) && Number(cpu) >= 1 && Number(cpu) <= 1024)) out.cpu = 'CPUs must be a whole number from 1 to 1024.';
  const gpu = f.gpu.trim();
  if (gpu && !(/^\d+$/.test(gpu) && Number(gpu) <= 64)) out.gpu = 'GPUs must be a whole number from 0 to 64.';
  if (f.memory.trim()) {
    const p = memoryProblem(f.memory);
    if (p) out.memory = p;
  }
  if (f.tag.trim()) {
    const p = tagNameProblem(f.tag);
    if (p) out.tag = p;
  }
  return out;
}
