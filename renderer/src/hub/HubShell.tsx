/**
 * The desktop-app frame for the hub's own pages (the project list, Admin):
 * the same sidebar, main area and status bar classes as the app shell, with
 * the hub's navigation and who is signed in where the backend would show.
 */
import type { ReactNode } from 'react';
import { CircleCheck, Server } from 'lucide-react';
import { Toasts } from '../shell/Toasts';
import type { Me } from './types';

export function HubShell({ me, nav, children }: { me: Me; nav: ReactNode; children: ReactNode }) {
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <nav className="sidebar" aria-label="Sidebar">
        <div className="brand">dstack hub</div>
        {nav}
      </nav>
      <div className="shell-main">
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
      <footer className="status-bar" aria-label="Status">
        <span>
          <Server size={14} aria-hidden /> Team hub <span className="muted">· {window.location.host}</span>
        </span>
        <span className="connection connected">
          <CircleCheck size={14} aria-hidden /> Signed in as {me.user.name}
          {me.user.admin ? ' (hub admin)' : ''}
        </span>
      </footer>
      <Toasts />
    </div>
  );
}
