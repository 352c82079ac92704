/** The log pane's tools: display toggles, search with next/previous, copy, save. */
import type { KeyboardEvent } from 'react';

export interface LogToolbarProps {
  timestamps: boolean;
  wrap: boolean;
  query: string;
  matchLabel: string;
  saving: boolean;
  onTimestamps: (on: boolean) => void;
  onWrap: (on: boolean) => void;
  onQuery: (q: string) => void;
  onFind: (dir: 1 | -1) => void;
  onCopy: () => void;
  onSave: () => void;
}

export function LogToolbar(p: LogToolbarProps) {
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    p.onFind(e.shiftKey ? -1 : 1);
  };
  return (
    <div className="toolbar" role="toolbar" aria-label="Log tools">
      <label>
        <input type="checkbox" checked={p.timestamps} onChange={(e) => p.onTimestamps(e.target.checked)} /> Timestamps
      </label>
      <label>
        <input type="checkbox" checked={p.wrap} onChange={(e) => p.onWrap(e.target.checked)} /> Wrap lines
      </label>
      <input type="search" aria-label="Search the log" placeholder="Search" value={p.query} onChange={(e) => p.onQuery(e.target.value)} onKeyDown={onKey} />
      <button type="button" onClick={() => p.onFind(-1)} disabled={!p.query} aria-label="Previous match">
        ↑
      </button>
      <button type="button" onClick={() => p.onFind(1)} disabled={!p.query} aria-label="Next match">
        ↓
      </button>
      <span className="muted" aria-live="polite">{p.matchLabel}</span>
      <button type="button" onClick={p.onCopy}>
        Copy selection
      </button>
      <button type="button" onClick={p.onSave} disabled={p.saving}>
        Save full log
      </button>
    </div>
  );
}
