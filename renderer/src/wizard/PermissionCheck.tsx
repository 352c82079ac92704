/**
 * The permission check both clouds' wizard steps show above what to grant:
 * the check's progress and error, one row per service, how many services
 * lack permissions with what to do about it, and "Check again". Each step
 * keeps only what to grant (an IAM policy, a GCP custom role).
 */
import type { ShownError } from '../api/errors';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { PermissionRows } from './PermissionRows';

type Rows = Parameters<typeof PermissionRows>[0]['rows'];

/** How many services lack a permission; none before the first check has answered. */
export function missingServices(rows: Rows | undefined): number {
  return rows?.filter((r) => !r.ok).length ?? 0;
}

interface Props {
  check: { busy: boolean; cancel: () => void; error: ShownError | null };
  rows: Rows | undefined;
  /** What to do about a missing permission, e.g. "Attach the policy below to the user or role". */
  fix: string;
  onCheck: () => void;
}

export function PermissionCheck({ check, rows, fix, onCheck }: Props) {
  const missing = missingServices(rows);
  return (
    <>
      {check.busy && <Busy label="Checking permissions…" onCancel={check.cancel} />}
      <ErrorNote error={check.error} />
      {rows && <PermissionRows rows={rows} />}
      {missing > 0 && (
        <p role="status" className="warn">
          {missing === 1 ? 'One service lacks' : `${missing} services lack`} permissions. {fix}, then check again.
        </p>
      )}
      <div className="row">
        <button type="button" onClick={onCheck} disabled={check.busy}>
          Check again
        </button>
      </div>
    </>
  );
}
