/**
 * One run in the list: its name (the row's one focusable control), status
 * with the reason and exit code of a failure in plain sight, workflow and
 * times. Actions are in the detail pane.
 */
import type { RunSummary } from '../../../main/common/api/operations';
import { formatDuration, formatShortTime, formatTime } from '../components/format';
import { RunStatus } from './RunStatus';

export function RunRow({ run, now, selected, focusable, onSelect }: {
  run: RunSummary;
  now: number;
  selected: boolean;
  focusable: boolean;
  onSelect: (runName: string) => void;
}) {
  return (
    <tr aria-selected={selected} className={selected ? 'selected' : undefined} onClick={() => onSelect(run.runName)}>
      <th scope="row">
        <button type="button" className="link" data-run={run.runName} tabIndex={focusable ? 0 : -1}
          onClick={(e) => { e.stopPropagation(); onSelect(run.runName); }} aria-label={`Show run ${run.runName}`}>
          {run.runName}
        </button>
      </th>
      <td>
        <RunStatus run={run} />
      </td>
      <td>{run.workflowName}</td>
      <td title={formatTime(run.submittedAt)}>
        {formatShortTime(run.submittedAt, now)}
        <span className="sub muted">{formatDuration(((run.finishedAt ?? now) - run.submittedAt) / 1000)}</span>
      </td>
    </tr>
  );
}
