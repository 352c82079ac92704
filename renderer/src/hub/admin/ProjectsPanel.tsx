/**
 * Admin → Projects and members, as a master/detail split like the runs
 * view: the projects on the left, the selected one's settings and members
 * (or the new-project form) on the right.
 */
import { useEffect, useState } from 'react';
import { Plus } from 'lucide-react';
import { backendInfo } from '../../../../main/common/backends';
import { hubAction } from '../../api/hub-client';
import { ErrorNote } from '../../components/ErrorNote';
import { useAction } from '../../components/useAction';
import { SplitPane } from '../../shell/SplitPane';
import { toast } from '../../shell/toasts';
import type { HubProject, HubUser } from '../types';
import { MembersPanel } from './MembersPanel';
import { NewProjectForm } from './NewProjectForm';

export function ProjectsPanel({ token, onChanged }: { token: string; onChanged: () => void }) {
  const [projects, setProjects] = useState<HubProject[]>([]);
  const [users, setUsers] = useState<HubUser[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  // One action for both lists: a second run of the same action would discard the first one's answer.
  const load = useAction(() => Promise.all([hubAction<HubProject[]>('projects.list', token), hubAction<HubUser[]>('users.list', token)]));
  const reload = () =>
    void load.run().then((both) => {
      if (!both) return;
      setProjects(both[0]);
      setUsers(both[1]);
    });
  useEffect(reload, [token]);
  const project = projects.find((p) => p.name === selected);

  const list = (
    <section className="hub-page" aria-labelledby="projects-title">
      <header className="detail-head">
        <h1 id="projects-title">All projects</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setSelected(null)} aria-current={selected === null ? 'true' : undefined}>
          <Plus size={15} aria-hidden /> New project
        </button>
      </header>
      <ErrorNote error={load.error} />
      <table className="hub-table" aria-label="Projects">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Backend</th>
          </tr>
        </thead>
        <tbody>
          {projects.map((p) => (
            <tr key={p.name} className={p.name === selected ? 'selected' : undefined}>
              <th scope="row">
                <button type="button" className="link" onClick={() => setSelected(p.name)} aria-current={p.name === selected ? 'true' : undefined}>
                  {p.name}
                </button>
              </th>
              <td>{backendInfo(p.backend).label}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {projects.length === 0 && <p className="muted">No projects yet: create the first one.</p>}
    </section>
  );
  const detail = (
    <div className="hub-page">
      {project ? (
        <MembersPanel key={project.name} token={token} project={project} users={users} onChanged={onChanged} />
      ) : (
        <NewProjectForm token={token} onCreated={(p) => {
          toast(`Created project ${p.name}. Add its members now.`);
          reload();
          setSelected(p.name);
          onChanged();
        }} />
      )}
    </div>
  );
  return <SplitPane storageKey="dstack.split.hubProjects" label="Resize the projects list" initial={360} start={list} end={detail} />;
}
