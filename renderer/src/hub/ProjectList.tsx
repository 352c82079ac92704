/** The caller's hub projects, each with the role they have there: pick one to see its runs. */
import { FolderGit2 } from 'lucide-react';
import type { Me } from './types';

export function ProjectList({ me, onOpen }: { me: Me; onOpen: (name: string) => void }) {
  return (
    <section className="project-picker" aria-labelledby="hub-projects-title">
      <h1 id="hub-projects-title">Open a project</h1>
      {me.projects.length === 0 ? (
        <p className="muted">
          {me.user.admin ? 'No projects yet. Create one under Admin → Projects and members.' : 'You are not a member of any project yet. Ask your hub admin to add you to one.'}
        </p>
      ) : (
        <ul className="recent" aria-labelledby="hub-projects-title">
          {me.projects.map((p) => (
            <li key={p.name}>
              <button type="button" className="link" onClick={() => onOpen(p.name)} aria-label={`Open ${p.name}`}>
                <FolderGit2 size={15} aria-hidden /> {p.name}
              </button>{' '}
              <span className="badge">{p.role}</span> <span className="muted">{p.backend}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
