/** The hub admin's pages; the sidebar's Admin section picks which. */
import type { AdminTab } from '../HubNav';
import { AuditPanel } from './AuditPanel';
import { ProjectsPanel } from './ProjectsPanel';
import { UsersPanel } from './UsersPanel';

export function AdminView({ tab, token, onChanged }: { tab: AdminTab; token: string; onChanged: () => void }) {
  if (tab === 'users') return <UsersPanel token={token} onChanged={onChanged} />;
  if (tab === 'projects') return <ProjectsPanel token={token} onChanged={onChanged} />;
  return <AuditPanel token={token} />;
}
