/** One project's detail: its backend and settings (credentials only as "stored"), and its members with their roles. */
import { useEffect, useState, type FormEvent } from 'react';
import { backendInfo } from '../../../../main/common/backends';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorNote } from '../../components/ErrorNote';
import type { HubMember, HubProject, HubUser, ProjectRole } from '../types';
import { useHubAction } from './useHubAction';

const ROLES: { id: ProjectRole; label: string }[] = [
  { id: 'read', label: 'read: sees runs, logs and artifacts' },
  { id: 'run', label: 'run: also runs, stops and removes' },
  { id: 'admin', label: 'admin: also settings and secrets' },
];

export function MembersPanel({ token, project, users, onChanged }: { token: string; project: HubProject; users: HubUser[]; onChanged: () => void }) {
  const [members, setMembers] = useState<HubMember[]>([]);
  const [user, setUser] = useState('');
  const [role, setRole] = useState<ProjectRole>('run');
  const act = useHubAction<unknown>(token);
  const reload = () => void act.run('members.list', { project: project.name }).then((m) => m && setMembers(m as HubMember[]));
  useEffect(reload, [project.name]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if ((await act.run('members.set', { project: project.name, user, role })) === undefined) return;
    setUser('');
    reload();
    onChanged();
  };
  const remove = async (name: string) => {
    if ((await act.run('members.remove', { project: project.name, user: name })) === undefined) return;
    reload();
    onChanged();
  };
  const settings = Object.entries(project.settings);

  return (
    <section aria-labelledby="project-detail-title">
      <header className="detail-head">
        <h2 id="project-detail-title">{project.name}</h2>
        <span className="badge">{backendInfo(project.backend).label}</span>
      </header>
      <dl className="hub-form">
        {settings.map(([k, v]) => (
          <div key={k} className="kv">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
        <dt>Credentials</dt>
        <dd>{project.hasCredentials ? 'stored (write-only)' : 'none'}</dd>
      </dl>
      <h3 id="members-title">Members</h3>
      <table className="hub-table" aria-labelledby="members-title">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.user}>
              <th scope="row">{m.user}</th>
              <td>{m.role}</td>
              <td>
                <ConfirmButton label="Remove" question={`Remove ${m.user} from ${project.name}?`} confirmLabel={`Remove ${m.user} from ${project.name}`}
                  onConfirm={() => void remove(m.user)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {members.length === 0 && <p className="muted">No members yet. Hub admins see every project anyway.</p>}
      <form className="hub-form" onSubmit={(e) => void add(e)} aria-label="Add a member">
        <label htmlFor="member-user">User</label>
        <select id="member-user" value={user} onChange={(e) => setUser(e.target.value)}>
          <option value="">Choose a user</option>
          {users.filter((u) => u.revokedAt === undefined && !u.admin).map((u) => (
            <option key={u.id} value={u.name}>
              {u.name}
            </option>
          ))}
        </select>
        <label htmlFor="member-role">Role</label>
        <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>
          {ROLES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
        <div className="actions">
          <button type="submit" className="primary" disabled={!user || act.busy}>
            Add member
          </button>
        </div>
      </form>
      <ErrorNote error={act.error} />
    </section>
  );
}
