/**
 * Feeds a run's log into a store through one `logs.follow` subscription, and
 * re-renders the pane at most once per animation frame however fast lines
 * arrive: the store holds the lines, React only learns the count. Past
 * LARGE lines the pane re-renders at most every SLOW_MS instead: the
 * virtualizer's layout pass on a count change is linear in the count, so at
 * a million lines doing it every frame would eat the frame budget.
 */
import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { describeError, type ShownError } from '../api/errors';
import { subscribe } from '../api/subscribe';
import type { LogStore } from './log-store';

const LARGE = 50_000;
const SLOW_MS = 100;

export interface LogStreamState {
  count: number;
  done: boolean;
  error: ShownError | null;
}

export function useLogStream(store: LogStore, projectId: string, runName: string): LogStreamState {
  const api = useApi();
  const [state, setState] = useState<LogStreamState>({ count: store.size, done: false, error: null });

  useEffect(() => {
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const flush = () => {
      frame = 0;
      timer = undefined;
      last = performance.now();
      setState((s) => ({ ...s, count: store.size }));
    };
    const off = store.subscribe(() => {
      if (frame || timer) return;
      const wait = store.size < LARGE ? 0 : SLOW_MS - (performance.now() - last);
      if (wait > 0) timer = setTimeout(() => (frame = requestAnimationFrame(flush)), wait);
      else frame = requestAnimationFrame(flush);
    });
    return () => {
      off();
      if (frame) cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [store]);

  useEffect(() => {
    store.clear();
    return subscribe(api, 'logs.follow', { projectId, runName }, 'logs.lines', {
      onPayload: (p) => {
        store.append(p.lines);
        // A log that could not be read ends with why: shown in the pane, never an empty log that looks finished.
        if (p.done) setState((s) => ({ ...s, done: true, error: p.error ? describeError(p.error) : s.error }));
      },
      onError: (err) => setState((s) => ({ ...s, error: describeError(err) })),
      onRestart: () => store.clear(),
    });
  }, [api, store, projectId, runName]);

  return state;
}
