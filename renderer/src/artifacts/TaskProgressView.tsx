/** A download's progress bar with speed and time left, and its cancel / resume / reveal / download-again buttons. */
import { formatBytes, formatDuration } from '../components/format';
import type { ItemTask } from './tasks';

export function TaskProgressView({ name, task, canReveal, tabIndex, onCancel, onResume, onReveal, onAgain }: {
  name: string;
  task: ItemTask;
  canReveal: boolean;
  /** -1 keeps the buttons out of the Tab order (their row is not the tree's tab stop). */
  tabIndex?: number;
  onCancel: () => void;
  onResume: () => void;
  onReveal: () => void;
  /** A finished download can be fetched again (the browser's copy may be gone, or a second copy wanted). */
  onAgain: () => void;
}) {
  const pct = task.total > 0 ? Math.floor((task.bytes / task.total) * 100) : 0;
  if (task.state === 'running') {
    return (
      <span className="task">
        <progress max={100} value={pct} aria-label={`Downloading ${name}`} />
        <span className="muted">
          {pct}% · {formatBytes(task.bytesPerSec)}/s{task.etaSec !== undefined ? ` · ${formatDuration(task.etaSec)} left` : ''}
        </span>
        <button type="button" tabIndex={tabIndex} onClick={onCancel} aria-label={`Cancel download of ${name}`}>
          Cancel
        </button>
      </span>
    );
  }
  if (task.state === 'done') {
    return (
      <span className="task">
        <span className="ok">Downloaded</span>
        {canReveal && task.kind === 'download' && (
          <button type="button" tabIndex={tabIndex} onClick={onReveal} aria-label={`Show ${name} in folder`}>
            Show in folder
          </button>
        )}
        {task.kind === 'download' && (
          <button type="button" tabIndex={tabIndex} onClick={onAgain} aria-label={`Download ${name} again`}>
            Download again
          </button>
        )}
      </span>
    );
  }
  return (
    <span className="task">
      <span className={task.state === 'failed' ? 'bad' : 'muted'} title={task.error?.fix}>
        {task.state === 'failed' ? (task.error?.message ?? 'Download failed.') : `Cancelled at ${pct}%.`}
      </span>
      <button type="button" tabIndex={tabIndex} onClick={onResume} aria-label={`Resume download of ${name}`}>
        Resume
      </button>
    </span>
  );
}
