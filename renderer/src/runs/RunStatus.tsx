/**
 * A run's status with what a person needs to act on it: a failure's reason
 * and exit code are written out, not hidden in a tooltip, and an unreadable
 * record names its file.
 */
import type { RunSummary } from '../../../main/common/api/operations';

export function RunStatus({ run }: { run: RunSummary }) {
  if (run.unreadable) {
    return (
      <>
        <span className="status unreadable">unreadable</span>
        <span className="reason">{run.unreadable.where}: {run.unreadable.problem}</span>
      </>
    );
  }
  const reason = run.status === 'done' ? '' : (run.statusReason ?? '');
  // The runner's reason often names the exit code already; say it once.
  const exit = run.exitCode !== undefined && run.exitCode !== 0 && !/exit code/i.test(reason) ? `exit ${run.exitCode}` : '';
  const detail = [exit, reason].filter(Boolean).join(' · ');
  return (
    <>
      <span className={`status ${run.status}`}>{run.status}</span>
      {detail && <span className="reason">{detail}</span>}
    </>
  );
}
