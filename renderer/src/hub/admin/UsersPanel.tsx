/** Admin → Users: create a user (their token shown once), rotate a token, revoke a user. */
import { useEffect, useState, type FormEvent } from 'react';
import { ConfirmButton } from '../../components/ConfirmButton';
import { ErrorNote } from '../../components/ErrorNote';
import { toast } from '../../shell/toasts';
import type { HubUser, IssuedToken } from '../types';
import { TokenOnce } from './TokenOnce';
import { useHubAction } from './useHubAction';

export function UsersPanel({ token, onChanged }: { token: string; onChanged: () => void }) {
  const [users, setUsers] = useState<HubUser[]>([]);
  const [name, setName] = useState('');
  const [admin, setAdmin] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const act = useHubAction<unknown>(token);
  const reload = () => void act.run('users.list').then((u) => u && setUsers(u as HubUser[]));
  useEffect(reload, [token]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const made = (await act.run('users.create', { name: name.trim(), ...(admin ? { admin } : {}) })) as IssuedToken | undefined;
    if (!made) return;
    setIssued(made);
    setName('');
    setAdmin(false);
    reload();
    onChanged();
  };
  const rotate = async (user: string) => {
    const made = (await act.run('users.rotate', { name: user })) as IssuedToken | undefined;
    if (made) setIssued(made);
  };
  const revoke = async (user: string) => {
    await act.run('users.revoke', { name: user });
    toast(`Revoked ${user}: their token no longer works.`);
    reload();
  };

  return (
    <section className="hub-page" aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <form className="hub-form" onSubmit={(e) => void create(e)} aria-label="Create a user">
        <label htmlFor="new-user">User name</label>
        <input id="new-user" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} autoComplete="off" />
        <label htmlFor="new-user-admin">Hub admin</label>
        <input id="new-user-admin" type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
        <div className="actions">
          <button type="submit" className="primary" disabled={!name.trim() || act.busy}>
            Create user
          </button>
        </div>
      </form>
      <ErrorNote error={act.error} />
      {issued && <TokenOnce issued={issued} onDone={() => setIssued(null)} />}
      <table className="hub-table" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <th scope="row">{u.name}</th>
              <td>{u.admin ? 'hub admin' : 'member'}</td>
              <td>{new Date(u.createdAt).toLocaleString()}</td>
              <td>
                {u.revokedAt !== undefined ? (
                  <span className="muted">revoked {new Date(u.revokedAt).toLocaleString()}</span>
                ) : (
                  <>
                    <ConfirmButton label="Rotate token" question={`Give ${u.name} a new token? The old one stops working at once.`} confirmLabel={`Rotate ${u.name}'s token`}
                      onConfirm={() => void rotate(u.name)} />{' '}
                    <ConfirmButton label="Revoke" question={`Revoke ${u.name}? Their token stops working at once.`} confirmLabel={`Revoke ${u.name}`}
                      onConfirm={() => void revoke(u.name)} />
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
