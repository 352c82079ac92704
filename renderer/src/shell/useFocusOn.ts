/**
 * Moves keyboard focus to an element once, when the store says an action
 * just replaced what had focus (a project opened, a run submitted), so a
 * keyboard user lands on the new thing instead of at the top of the page.
 */
import { useEffect, useRef } from 'react';
import { useAppStore } from '../store';

export function useFocusOn<T extends HTMLElement>(target: 'project' | 'run') {
  const ref = useRef<T>(null);
  const wanted = useAppStore((s) => s.focusTarget === target);
  const focused = useAppStore((s) => s.focused);
  useEffect(() => {
    if (!wanted || !ref.current) return;
    ref.current.focus();
    focused();
  }, [wanted, focused]);
  return ref;
}
