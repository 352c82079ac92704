/** The runs table with its filters; rows select a run for the log and artifacts below. */
import { useMemo, useState } from 'react';
import type { RunSummary } from '../../../main/common/api/operations';
import { isTerminal } from '../../../main/common/status';
import { useApi } from '../api/context';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { useNow } from '../components/useNow';
import { filterRuns, type RunFilter } from './filter';
import { RunFilters } from './RunFilters';
import { RunRow } from './RunRow';

export function RunsList({ projectId, runs, selected, onSelect }: {
  projectId: string;
  runs: RunSummary[];
  selected: string | null;
  onSelect: (runName: string) => void;
}) {
  const api = useApi();
  const [filter, setFilter] = useState<RunFilter>({ status: 'all', workflow: '' });
  const now = useNow(1000, runs.some((r) => !isTerminal(r.status)));
  const shown = useMemo(() => filterRuns(runs, filter), [runs, filter]);
  const workflows = useMemo(() => [...new Set(runs.map((r) => r.workflowName))].sort(), [runs]);
  const act = useAction((fn: () => Promise<void>) => fn());

  const actions = {
    onSelect,
    onStop: (runName: string, abort: boolean) => void act.run(() => api.call('runs.stop', { projectId, runName, abort })),
    onRemove: (runName: string) => void act.run(() => api.call('runs.remove', { projectId, runName })),
  };

  return (
    <section aria-labelledby="runs-title" className="runs">
      <div className="row">
        <h2 id="runs-title">Runs</h2>
        <RunFilters filter={filter} workflows={workflows} onChange={setFilter} />
      </div>
      <ErrorNote error={act.error} />
      <table className="runs-table" aria-labelledby="runs-title">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Workflow</th>
            <th scope="col">Submitted</th>
            <th scope="col">Duration</th>
            <th scope="col">Backend</th>
            <th scope="col">Tag</th>
            <th scope="col">Cost</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <RunRow key={r.runName} run={r} now={now} selected={r.runName === selected} actions={actions} />
          ))}
        </tbody>
      </table>
      {shown.length === 0 && <p className="muted">{runs.length ? 'No run matches the filter.' : 'No runs yet. Pick a workflow and press Run.'}</p>}
    </section>
  );
}
