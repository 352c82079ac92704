/**
 * How many NVIDIA GPUs this machine has, so the Run form can warn before a
 * local run asks for GPUs it cannot get (a local job runs on this computer
 * with whatever it has). The NVIDIA driver lists one folder per GPU under
 * /proc/driver/nvidia/gpus; no driver, or no Linux, means none we can use.
 */
import { readdir } from 'node:fs/promises';

export async function localGpuCount(procDir = '/proc/driver/nvidia/gpus'): Promise<number> {
  try {
    return (await readdir(procDir)).length;
  } catch {
    return 0;
  }
}
