/** One run: its columns, and stop / abort / remove as fit its status. */
import type { RunSummary } from '../../../main/common/api/operations';
import { isTerminal } from '../../../main/common/status';
import { ConfirmButton } from '../components/ConfirmButton';
import { formatDuration, formatMoney, formatTime } from '../components/format';
import { costSoFar } from './filter';

export interface RunActions {
  onSelect: (runName: string) => void;
  onStop: (runName: string, abort: boolean) => void;
  onRemove: (runName: string) => void;
}

export function RunRow({ run, now, selected, actions }: { run: RunSummary; now: number; selected: boolean; actions: RunActions }) {
  const done = isTerminal(run.status);
  const cost = costSoFar(run, now);
  return (
    <tr aria-selected={selected} className={selected ? 'selected' : undefined}>
      <th scope="row">
        <button type="button" className="link" onClick={() => actions.onSelect(run.runName)} aria-label={`Show run ${run.runName}`}>
          {run.runName}
        </button>
      </th>
      <td>
        <span className={`status ${run.status}`} title={run.statusReason}>
          {run.status}
        </span>
      </td>
      <td>{run.workflowName}</td>
      <td>{formatTime(run.submittedAt)}</td>
      <td>{formatDuration(((run.finishedAt ?? now) - run.submittedAt) / 1000)}</td>
      <td>{run.backend}</td>
      <td>{run.tag ?? ''}</td>
      <td>{cost === undefined ? '' : formatMoney(cost)}</td>
      <td className="actions">
        {!done && (
          <>
            <button type="button" onClick={() => actions.onStop(run.runName, false)} disabled={run.status === 'stopping'} aria-label={`Stop ${run.runName}`}>
              Stop
            </button>
            <ConfirmButton label="Abort" question={`Abort ${run.runName}? Artifacts will not be uploaded.`} confirmLabel={`Abort ${run.runName}`}
              onConfirm={() => actions.onStop(run.runName, true)} />
          </>
        )}
        {done && (
          <ConfirmButton label="Remove" question={`Remove ${run.runName} and its artifacts?`} confirmLabel={`Remove ${run.runName}`}
            onConfirm={() => actions.onRemove(run.runName)} />
        )}
      </td>
    </tr>
  );
}
