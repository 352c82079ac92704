// Stopping the hub's timer waits for a pass under way: the hub closes its
// store only after the pass ends, so a shutdown mid-pass never logs the
// store's "destroyed" error as a failed cleanup.
import { expect, it, vi } from 'vitest';
import type { ReconcileResult } from '../../../main/core/reconciler';
import type { ProjectServices } from '../../../main/hub/server/project-services';
import { HubReconciler } from '../../../main/hub/server/reconcile';

it('stop() resolves only once the pass under way has ended, and no pass starts after it', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reconcileAll = vi.fn(async () => {
    await gate;
    return new Map<string, ReconcileResult>([['alpha', { failed: [], errors: [] }]]);
  });
  const resubmitAll = vi.fn(async () => new Map<string, { launched: string[]; error?: string }>());
  const services = { reconcileAll, resubmitAll } as unknown as ProjectServices;
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const r = new HubReconciler(services, 10);
  r.start();
  expect(reconcileAll).toHaveBeenCalledTimes(1);
  let stopped = false;
  const stopping = r.stop().then(() => (stopped = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stopped, 'stop() resolved while the pass was still running').toBe(false);
  release();
  await stopping;
  expect(resubmitAll).toHaveBeenCalledTimes(1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(reconcileAll, 'passes after stop()').toHaveBeenCalledTimes(1);
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});
