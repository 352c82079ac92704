// The machine's GPU count comes from the NVIDIA driver's folder per GPU; no driver means none.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { localGpuCount } from '../../../main/node/local-gpus';

it('counts one GPU per folder the driver lists, and none without a driver', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-gpus-'));
  try {
    await mkdir(join(dir, '0000:00:1e.0'));
    await mkdir(join(dir, '0000:00:1f.0'));
    expect(await localGpuCount(dir)).toBe(2);
    expect(await localGpuCount(join(dir, 'no-driver'))).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
