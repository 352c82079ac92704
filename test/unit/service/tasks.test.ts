import { describe, expect, it } from 'vitest';
import type { TaskProgress } from '../../../main/common/api/operations';
import { EventHub } from '../../../main/service/events';
import { TaskManager } from '../../../main/service/tasks';

function collect(hub: EventHub): TaskProgress[] {
  const seen: TaskProgress[] = [];
  hub.listen((event, payload) => {
    if (event === 'task.progress') seen.push(payload as TaskProgress);
  });
  return seen;
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('long tasks', () => {
  it('report progress, then done with the result kept for reveal and download', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    const tasks = new TaskManager(hub, (id) => `/api/download/${id}`);
    const id = tasks.start(async (ctx) => {
      ctx.progress(50, 100);
      await new Promise((r) => setTimeout(r, 120));
      ctx.progress(100, 100);
      return { path: '/tmp/x', fileName: 'x' };
    });
    await until(() => seen.some((p) => p.state === 'done'));
    expect(seen[0]).toMatchObject({ taskId: id, state: 'running' });
    expect(seen.some((p) => p.state === 'running' && p.bytes === 50 && p.total === 100)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ state: 'done', bytes: 100, total: 100, downloadUrl: `/api/download/${id}` });
    expect(tasks.get(id)).toMatchObject({ state: 'done', path: '/tmp/x' });
  });

  it('cancel aborts the work and reports cancelled, not failed', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    const tasks = new TaskManager(hub);
    let sawAbort = false;
    const id = tasks.start(
      (ctx) =>
        new Promise((_resolve, reject) => {
          ctx.progress(10, 1000);
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(ctx.signal.reason);
          });
        }),
    );
    await until(() => seen.length > 0);
    tasks.cancel(id);
    await until(() => seen.some((p) => p.state !== 'running'));
    expect(sawAbort).toBe(true);
    expect(seen.at(-1)).toMatchObject({ taskId: id, state: 'cancelled' });
    expect(seen.at(-1)!.error).toBeUndefined();
  });

  it('a failure is reported with its error as data', async () => {
    const hub = new EventHub();
    const seen = collect(hub);
    const tasks = new TaskManager(hub);
    tasks.start(async () => {
      throw new Error('disk full');
    });
    await until(() => seen.some((p) => p.state === 'failed'));
    expect(seen.at(-1)!.error).toMatchObject({ code: 'internal', message: 'disk full' });
  });

  it('sends events only to the client that started the task', async () => {
    const hub = new EventHub();
    const to: (string | undefined)[] = [];
    hub.listen((_e, _p, clientId) => to.push(clientId));
    const tasks = new TaskManager(hub);
    tasks.start(async () => ({ path: '/x', fileName: 'x' }), 'tab-1');
    await until(() => to.length >= 2);
    expect(new Set(to)).toEqual(new Set(['tab-1']));
  });

  it('an unknown task id is a clear error', () => {
    expect(() => new TaskManager(new EventHub()).cancel('nope')).toThrow(/No task nope/);
  });
});
