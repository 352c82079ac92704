/**
 * A long action the user can watch and cancel. The contract has no cancel for
 * one-shot calls, so cancelling abandons the answer: the UI returns to where
 * it was at once and a late result is ignored.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError, type ShownError } from '../api/errors';

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  cancel: () => void;
  busy: boolean;
  error: ShownError | null;
  clearError: () => void;
}

export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const generation = useRef(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => () => void (generation.current += 1), []);

  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    const mine = ++generation.current;
    setBusy(true);
    setError(null);
    try {
      const result = await fnRef.current(...args);
      return mine === generation.current ? result : undefined;
    } catch (err) {
      if (mine === generation.current) setError(describeError(err));
      return undefined;
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  }, []);

  const cancel = useCallback(() => {
    generation.current += 1;
    setBusy(false);
  }, []);

  return { run, cancel, busy, error, clearError: useCallback(() => setError(null), []) };
}
