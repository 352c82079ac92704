/**
 * "Save full log" as a task: main streams the log to a file and reports the
 * bytes written through `task.progress`, so a long log shows progress instead
 * of a frozen button. Events can arrive before `logs.save` returns the task
 * id, so the listener is attached first and keeps the latest event per task.
 */
import { useEffect, useRef, useState } from 'react';
import type { TaskProgress } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { browserDownload } from '../api/browser-download';
import { describeError, type ShownError } from '../api/errors';

export interface SaveLogState {
  state: 'idle' | 'running' | 'done' | 'failed' | 'cancelled' | 'not-saved';
  bytes: number;
  error: ShownError | null;
}

const IDLE: SaveLogState = { state: 'idle', bytes: 0, error: null };

export function useSaveLog(projectId: string, runName: string): { save: () => Promise<void>; status: SaveLogState } {
  const api = useApi();
  const [status, setStatus] = useState<SaveLogState>(IDLE);
  const seen = useRef(new Map<string, TaskProgress>());
  const mine = useRef<string | undefined>(undefined);

  const apply = (p: TaskProgress) => {
    if (p.state === 'done' && p.downloadUrl) browserDownload(p.downloadUrl);
    setStatus({ state: p.state, bytes: p.bytes, error: p.error ? describeError(p.error) : null });
  };

  useEffect(
    () =>
      api.on('task.progress', (p) => {
        if (p.taskId === mine.current) return apply(p);
        seen.current.set(p.taskId, p);
        if (seen.current.size > 50) seen.current.delete(seen.current.keys().next().value as string);
      }),
    [api],
  );

  const save = async () => {
    setStatus({ ...IDLE, state: 'running' });
    try {
      const r = await api.call('logs.save', { projectId, runName });
      if (!r.saved || !r.taskId) return setStatus({ ...IDLE, state: 'not-saved' });
      mine.current = r.taskId;
      const early = seen.current.get(r.taskId);
      if (early) apply(early);
    } catch (err) {
      setStatus({ state: 'failed', bytes: 0, error: describeError(err) });
    }
  };

  return { save, status };
}
