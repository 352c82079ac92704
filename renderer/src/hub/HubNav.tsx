/**
 * The hub's part of the sidebar, in place of the desktop app's recent
 * folders: the caller's projects with their role, the Admin pages for a hub
 * admin, and Sign out. The same section heads the project shell and the
 * hub's own pages, so moving between them is one click.
 */
import { FolderGit2, LogOut, ScrollText, Shield, Users, Boxes } from 'lucide-react';
import type { Me } from './types';

export type AdminTab = 'users' | 'projects' | 'audit';
export type Place = { kind: 'projects' } | { kind: 'project'; name: string } | { kind: 'admin'; tab: AdminTab };

const ADMIN_TABS: { id: AdminTab; label: string; Icon: typeof Users }[] = [
  { id: 'users', label: 'Users', Icon: Users },
  { id: 'projects', label: 'Projects and members', Icon: Boxes },
  { id: 'audit', label: 'Audit log', Icon: ScrollText },
];

export function HubNav({ me, place, go, signOut }: { me: Me; place: Place; go: (p: Place) => void; signOut: () => void }) {
  return (
    <>
      <section aria-labelledby="sb-hub-projects">
        <h2 id="sb-hub-projects" className="sb-title">Projects</h2>
        <ul className="sb-list">
          {me.projects.map((p) => (
            <li key={p.name}>
              <button type="button" className="sb-item" aria-current={place.kind === 'project' && place.name === p.name ? 'true' : undefined}
                onClick={() => go({ kind: 'project', name: p.name })}>
                <FolderGit2 size={15} aria-hidden /> {p.name} <span className="badge">{p.role}</span>
              </button>
            </li>
          ))}
          {me.projects.length === 0 && <li className="muted">No projects yet</li>}
        </ul>
      </section>
      {me.user.admin && (
        <section aria-labelledby="sb-hub-admin">
          <h2 id="sb-hub-admin" className="sb-title">
            <Shield size={12} aria-hidden /> Admin
          </h2>
          <ul className="sb-list">
            {ADMIN_TABS.map(({ id, label, Icon }) => (
              <li key={id}>
                <button type="button" className="sb-item" aria-current={place.kind === 'admin' && place.tab === id ? 'page' : undefined} onClick={() => go({ kind: 'admin', tab: id })}>
                  <Icon size={15} aria-hidden /> {label}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Account">
        <ul className="sb-list">
          <li>
            <button type="button" className="sb-item" onClick={signOut}>
              <LogOut size={15} aria-hidden /> Sign out {me.user.name}
            </button>
          </li>
        </ul>
      </section>
    </>
  );
}
