/**
 * The sidebar, as in GitHub Desktop: recent projects, the open project's
 * workflows (each with Run), and the project's views plus Settings. Always
 * there, so nothing the user does daily is more than one click away.
 */
import { useEffect, useState } from 'react';
import { FolderOpen, FolderGit2, Settings as SettingsIcon, Tag, KeyRound, ListChecks, type LucideIcon } from 'lucide-react';
import type { ProjectInfo } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { WorkflowList } from '../project/Workflows';
import { useAppStore, type View } from '../store';
import { useCapabilities } from '../capabilities';

const VIEWS: { id: View; label: string; Icon: LucideIcon }[] = [
  { id: 'runs', label: 'Runs', Icon: ListChecks },
  { id: 'tags', label: 'Tags', Icon: Tag },
  { id: 'secrets', label: 'Secrets', Icon: KeyRound },
];

export function Sidebar() {
  const api = useApi();
  const { project, view, screen, openProject, setView, setScreen, config } = useAppStore();
  const caps = useCapabilities();
  const [recent, setRecent] = useState<ProjectInfo[]>([]);
  const views = caps.secrets ? VIEWS : VIEWS.filter((v) => v.id !== 'secrets');

  useEffect(() => {
    if (caps.local) api.call('projects.recent', undefined).then(setRecent, () => setRecent([]));
  }, [api, project?.id, caps.local]);

  return (
    <nav className="sidebar" aria-label="Sidebar">
      <div className="brand">dstack</div>
      {caps.nav ?? (
      <section aria-labelledby="sb-projects">
        <h2 id="sb-projects" className="sb-title">Projects</h2>
        <ul className="sb-list">
          {recent.slice(0, 6).map((p) => (
            <li key={p.id}>
              <button type="button" className="sb-item" aria-current={p.id === project?.id ? 'true' : undefined} title={p.displayPath}
                onClick={() => openProject(p)}>
                <FolderGit2 size={15} aria-hidden /> {p.name}
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="sb-item" onClick={() => openProject(null)}>
              <FolderOpen size={15} aria-hidden /> Open a project…
            </button>
          </li>
        </ul>
      </section>
      )}
      {project && (
        <>
          <section aria-labelledby="sb-views">
            <h2 id="sb-views" className="sb-title">{project.name}</h2>
            <ul className="sb-list">
              {views.map(({ id, label, Icon }) => (
                <li key={id}>
                  <button type="button" className="sb-item" aria-current={screen === 'main' && view === id ? 'page' : undefined} onClick={() => setView(id)}>
                    <Icon size={15} aria-hidden /> {label}
                  </button>
                </li>
              ))}
            </ul>
          </section>
          <WorkflowList key={project.id} projectId={project.id} aws={config?.backend === 'aws'} />
        </>
      )}
      {caps.local && (
        <div className="sb-bottom">
          <button type="button" className="sb-item" aria-current={screen === 'settings' ? 'page' : undefined} onClick={() => setScreen('settings')}>
            <SettingsIcon size={15} aria-hidden /> Settings
          </button>
        </div>
      )}
    </nav>
  );
}
