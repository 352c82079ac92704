/** One row per AWS service: green when every action dstack needs is allowed, red with the missing ones. */
import type { PermissionRow } from '../../../main/common/api/operations';

export function PermissionRows({ rows }: { rows: PermissionRow[] }) {
  return (
    <table className="permissions">
      <caption className="sr-only">Permissions per service</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.service} className={r.ok ? 'ok' : 'bad'}>
            <th scope="row">{r.service}</th>
            <td>
              {r.ok ? (
                <span>✓ allowed</span>
              ) : (
                <span>
                  ✗ missing: <code>{r.missing.join(', ')}</code>
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
