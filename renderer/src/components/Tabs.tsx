/**
 * Tabs after the WAI-ARIA tab pattern: one tab stop for the tab list, arrow
 * keys (and Home/End) move between tabs and select them, and the panel is
 * labelled by its tab. Shared by the run detail and any other tabbed pane.
 */
import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabDef<T extends string> {
  id: T;
  label: ReactNode;
}

export function Tabs<T extends string>({ label, tabs, selected, onSelect, children }: {
  label: string;
  tabs: readonly TabDef<T>[];
  selected: T;
  onSelect: (id: T) => void;
  children: ReactNode;
}) {
  const base = useId();
  const refs = useRef(new Map<T, HTMLButtonElement>());
  const move = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === selected);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length]!;
    onSelect(next.id);
    refs.current.get(next.id)?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs" onKeyDown={move}>
        {tabs.map((t) => (
          <button key={t.id} type="button" role="tab" id={`${base}-${t.id}`} aria-controls={`${base}-${t.id}-panel`}
            aria-selected={t.id === selected} tabIndex={t.id === selected ? 0 : -1} onClick={() => onSelect(t.id)}
            ref={(el) => void (el ? refs.current.set(t.id, el) : refs.current.delete(t.id))}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-${selected}-panel`} aria-labelledby={`${base}-${selected}`} className="tab-panel">
        {children}
      </div>
    </>
  );
}
