/** Admin → Audit log: who did what to whom, and when, newest first. */
import { useEffect, useState } from 'react';
import { ErrorNote } from '../../components/ErrorNote';
import type { AuditEntry } from '../types';
import { useHubAction } from './useHubAction';

export function AuditPanel({ token }: { token: string }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const act = useHubAction<AuditEntry[]>(token);
  useEffect(() => void act.run('audit.list', { limit: 500 }).then((a) => a && setEntries([...a].sort((x, y) => y.at - x.at))), [token]);
  return (
    <section className="hub-page" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <ErrorNote error={act.error} />
      <table className="hub-table" aria-label="Audit log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">On</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={i}>
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>{e.actor}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>{e.target}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && !act.busy && <p className="muted">Nothing yet.</p>}
    </section>
  );
}
