/**
 * Two panes side by side with a separator the user drags, or moves with the
 * arrow keys when it has focus (the ARIA window-splitter pattern). The width
 * is remembered per `storageKey`, so the split comes back as it was left.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';

const MIN = 240;
const STEP = 24;

function remembered(key: string, fallback: number): number {
  const v = Number(localStorage.getItem(key));
  return Number.isFinite(v) && v >= MIN ? v : fallback;
}

export function SplitPane({ storageKey, label, initial = 420, start, end }: {
  storageKey: string;
  /** Names the separator for assistive technology, e.g. "Resize the runs list". */
  label: string;
  initial?: number;
  start: ReactNode;
  end: ReactNode;
}) {
  const [width, setWidth] = useState(() => remembered(storageKey, initial));
  const box = useRef<HTMLDivElement>(null);
  const max = () => Math.max(MIN, (box.current?.clientWidth ?? 1200) - MIN);
  const set = (w: number) => setWidth(Math.round(Math.min(max(), Math.max(MIN, w))));

  useEffect(() => localStorage.setItem(storageKey, String(width)), [storageKey, width]);
  useEffect(() => box.current?.style.setProperty('--split-start', `${width}px`), [width]);

  const drag = (e: PointerEvent<HTMLDivElement>) => {
    const left = box.current?.getBoundingClientRect().left ?? 0;
    e.currentTarget.setPointerCapture(e.pointerId);
    const onMove = (m: globalThis.PointerEvent) => set(m.clientX - left);
    const target = e.currentTarget;
    const stop = () => {
      target.removeEventListener('pointermove', onMove);
      target.removeEventListener('pointerup', stop);
    };
    target.addEventListener('pointermove', onMove);
    target.addEventListener('pointerup', stop);
  };
  const keys = (e: KeyboardEvent) => {
    const to = { ArrowLeft: width - STEP, ArrowRight: width + STEP, Home: MIN, End: max() }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    set(to);
  };

  return (
    <div className="split" ref={box}>
      <div className="split-start">{start}</div>
      <div role="separator" aria-orientation="vertical" aria-label={label} tabIndex={0} aria-valuemin={MIN}
        aria-valuemax={max()} aria-valuenow={width} className="split-handle" onPointerDown={drag} onKeyDown={keys} />
      <div className="split-end">{end}</div>
    </div>
  );
}
