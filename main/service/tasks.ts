/**
 * Long tasks (downloads, cache fills) with ids, progress and cancel, as in
 * Podman Desktop: the call returns a task id at once, progress arrives as
 * `task.progress` events at most every 100 ms plus one final event, and
 * `tasks.cancel` aborts the work through its AbortSignal. A finished task
 * remembers its result path so "Show in folder" and the server's download
 * route can find it by id without the renderer ever naming a path.
 */
import { CancelledError, NotFoundError, toDstackError } from '../common/errors';
import type { TaskProgress } from '../common/api/operations';
import type { EventHub } from './events';
import { newId } from './events';

export interface TaskContext {
  signal: AbortSignal;
  /** Reports bytes moved so far out of `total`. */
  progress(bytes: number, total: number): void;
}

export interface TaskRecord {
  id: string;
  state: TaskProgress['state'];
  /** Where the result is on disk once done: a file, or a folder. */
  path?: string;
  /** The name a browser download should get. */
  fileName?: string;
}

const EMIT_EVERY_MS = 100;
/** Finished tasks kept for reveal/download lookups; older ones are forgotten. */
const KEEP_FINISHED = 200;

export class TaskManager {
  private readonly tasks = new Map<string, TaskRecord & { abort: AbortController }>();

  constructor(
    private readonly hub: EventHub,
    /** In server mode, where the browser fetches a finished task's bytes. */
    private readonly downloadUrl?: (taskId: string) => string,
  ) {}

  /**
   * Starts `work`, which resolves to the result's path. Returns the task id at
   * once; failures are reported as a `failed` progress event, not thrown.
   */
  start(work: (ctx: TaskContext) => Promise<{ path: string; fileName: string }>, clientId?: string): string {
    const id = newId();
    const abort = new AbortController();
    const record = { id, state: 'running' as TaskProgress['state'], abort };
    this.tasks.set(id, record);
    const started = Date.now();
    let bytes = 0;
    let total = 0;
    let lastEmit = 0;
    const emit = (extra: Partial<TaskProgress> = {}): void => {
      const secs = (Date.now() - started) / 1000;
      const bytesPerSec = secs > 0 ? Math.round(bytes / secs) : 0;
      const p: TaskProgress = { taskId: id, state: record.state, bytes, total, bytesPerSec, ...extra };
      if (record.state === 'running' && bytesPerSec > 0 && total > bytes) p.etaSec = Math.ceil((total - bytes) / bytesPerSec);
      this.hub.emit('task.progress', p, clientId);
    };
    const ctx: TaskContext = {
      signal: abort.signal,
      progress: (b, t) => {
        bytes = b;
        total = t;
        const now = Date.now();
        if (now - lastEmit >= EMIT_EVERY_MS) {
          lastEmit = now;
          emit();
        }
      },
    };
    queueMicrotask(() => {
      emit();
      work(ctx).then(
        (result) => {
          if (abort.signal.aborted) throw new CancelledError();
          Object.assign(record, { state: 'done', path: result.path, fileName: result.fileName });
          bytes = Math.max(bytes, total);
          emit(this.downloadUrl ? { downloadUrl: this.downloadUrl(id) } : {});
        },
      ).catch((err: unknown) => {
        const e = abort.signal.aborted ? new CancelledError('Download cancelled.') : toDstackError(err);
        record.state = e.code === 'cancelled' ? 'cancelled' : 'failed';
        emit(record.state === 'failed' ? { error: e.toJSON() } : {});
      }).finally(() => this.forgetOld());
    });
    return id;
  }

  /** Registers a result that is ready now (e.g. a saved log) so it has an id like any task. */
  completed(path: string, fileName: string): string {
    const id = newId();
    this.tasks.set(id, { id, state: 'done', path, fileName, abort: new AbortController() });
    this.forgetOld();
    return id;
  }

  has(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  get(taskId: string): TaskRecord {
    const t = this.tasks.get(taskId);
    if (!t) throw new NotFoundError(`No task ${taskId}.`, 'It may have finished long ago; start it again.');
    return { id: t.id, state: t.state, path: t.path, fileName: t.fileName };
  }

  /** Cancels a running task; cancelling a finished one does nothing. */
  cancel(taskId: string): void {
    const t = this.tasks.get(taskId);
    if (!t) throw new NotFoundError(`No task ${taskId}.`);
    if (t.state === 'running') t.abort.abort();
  }

  cancelAll(): void {
    for (const t of this.tasks.values()) if (t.state === 'running') t.abort.abort();
  }

  private forgetOld(): void {
    const finished = [...this.tasks.values()].filter((t) => t.state !== 'running');
    for (const t of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.delete(t.id);
  }
}
