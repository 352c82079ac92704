/** Filter controls for the runs list: by status group or status, and by workflow. */
import { JOB_STATUSES } from '../../../main/common/status';
import type { RunFilter, StatusFilter } from './filter';

export function RunFilters({ filter, workflows, onChange }: { filter: RunFilter; workflows: string[]; onChange: (f: RunFilter) => void }) {
  return (
    <div className="row filters">
      <label>
        Status{' '}
        <select value={filter.status} onChange={(e) => onChange({ ...filter, status: e.target.value as StatusFilter })}>
          <option value="all">All</option>
          <option value="active">Active</option>
          <option value="finished">Finished</option>
          {JOB_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Workflow{' '}
        <select value={filter.workflow} onChange={(e) => onChange({ ...filter, workflow: e.target.value })}>
          <option value="">All</option>
          {workflows.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
