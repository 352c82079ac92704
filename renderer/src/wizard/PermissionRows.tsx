/** One row per cloud service (AWS or GCP): green when every action dstack needs is allowed, red with the missing ones. */
/** A service and the permissions it lacks; AWS and GCP rows both have this shape. */
interface Row {
  service: string;
  ok: boolean;
  missing: string[];
}

export function PermissionRows({ rows }: { rows: Row[] }) {
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
