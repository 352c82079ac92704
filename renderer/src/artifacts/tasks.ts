/**
 * Download and cache tasks by artifact item, fed by `task.progress` events.
 * A zustand store so a row re-renders only when its own task moves. Finished
 * server-mode downloads hand their URL to the browser exactly once.
 *
 * A small task can finish, and its events arrive, before the call that
 * started it returns the task id, so progress for ids not yet known is held
 * (the latest per task) and applied when `started` names its item.
 */
import { create } from 'zustand';
import type { ApiClient, TaskProgress } from '../../../main/common/api/operations';
import { browserDownload } from '../api/browser-download';

export interface ItemTask extends TaskProgress {
  kind: 'download' | 'cache';
}

/** Held progress for task ids not yet claimed; bounded because unclaimed ids belong to other windows' tasks. */
const early = new Map<string, TaskProgress>();
const MAX_EARLY = 200;

interface TasksState {
  byItem: Record<string, ItemTask>;
  itemOfTask: Record<string, string>;
  started: (itemId: string, taskId: string, kind: ItemTask['kind']) => void;
  progressed: (p: TaskProgress) => void;
}

export const useTasks = create<TasksState>()((set, get) => ({
  byItem: {},
  itemOfTask: {},
  started: (itemId, taskId, kind) => {
    set((s) => ({
      itemOfTask: { ...s.itemOfTask, [taskId]: itemId },
      byItem: { ...s.byItem, [itemId]: { taskId, kind, state: 'running', bytes: 0, total: 0, bytesPerSec: 0 } },
    }));
    const held = early.get(taskId);
    early.delete(taskId);
    if (held) get().progressed(held);
  },
  progressed: (p) => {
    const itemId = get().itemOfTask[p.taskId];
    const prev = itemId ? get().byItem[itemId] : undefined;
    if (!itemId || !prev) {
      early.set(p.taskId, p);
      if (early.size > MAX_EARLY) early.delete(early.keys().next().value as string);
      return;
    }
    if (p.state === 'done' && p.downloadUrl && prev.state !== 'done') browserDownload(p.downloadUrl);
    set((s) => ({ byItem: { ...s.byItem, [itemId]: { ...prev, ...p } } }));
  },
}));

/** Routes task events into the store; call once for the app's lifetime. */
export function listenForTasks(api: ApiClient): () => void {
  return api.on('task.progress', (p) => useTasks.getState().progressed(p));
}
