/**
 * The master side of the runs view: a search box, filters, and the runs
 * table, which scrolls on its own. The table is one tab stop: arrow keys move
 * the selection (a roving tabindex), and the run's actions live in the
 * detail pane, so keyboard users do not tab through every row's buttons.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { RunSummary } from '../../../main/common/api/operations';
import { isTerminal } from '../../../main/common/status';
import { useNow } from '../components/useNow';
import { filterRuns, type RunFilter } from './filter';
import { RunFilters } from './RunFilters';
import { RunRow } from './RunRow';

export function RunsList({ runs, selected, onSelect }: {
  runs: RunSummary[];
  selected: string | null;
  onSelect: (runName: string) => void;
}) {
  const [filter, setFilter] = useState<RunFilter>({ status: 'all', workflow: '', text: '' });
  const now = useNow(1000, runs.some((r) => !isTerminal(r.status)));
  const shown = useMemo(() => filterRuns(runs, filter), [runs, filter]);
  const workflows = useMemo(() => [...new Set(runs.map((r) => r.workflowName))].sort(), [runs]);
  const body = useRef<HTMLTableSectionElement>(null);
  const focused = shown.some((r) => r.runName === selected) ? selected : shown[0]?.runName;

  const move = (e: KeyboardEvent) => {
    const i = shown.findIndex((r) => r.runName === focused);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: shown.length - 1 }[e.key];
    const next = to === undefined ? undefined : shown[Math.max(0, Math.min(shown.length - 1, to))];
    if (!next) return;
    e.preventDefault();
    onSelect(next.runName);
    [...(body.current?.querySelectorAll<HTMLButtonElement>('button[data-run]') ?? [])].find((b) => b.dataset.run === next.runName)?.focus();
  };

  return (
    <section aria-labelledby="runs-title" className="runs">
      <div className="runs-head">
        <h2 id="runs-title">Runs</h2>
        <input type="search" aria-label="Search runs" placeholder="Search runs" value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        <RunFilters filter={filter} workflows={workflows} onChange={setFilter} />
      </div>
      <div className="runs-scroll">
        <table className="runs-table" aria-labelledby="runs-title">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Workflow</th>
              <th scope="col">Submitted</th>
            </tr>
          </thead>
          <tbody ref={body} onKeyDown={move}>
            {shown.map((r) => (
              <RunRow key={r.runName} run={r} now={now} selected={r.runName === selected} focusable={r.runName === focused} onSelect={onSelect} />
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <p className="muted empty">{runs.length ? 'No run matches the search or filter.' : 'No runs yet. Pick a workflow in the sidebar and press Run.'}</p>}
      </div>
    </section>
  );
}
