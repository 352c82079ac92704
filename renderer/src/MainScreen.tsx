/**
 * The daily screen: the open project's workflows and runs, the selected run's
 * log and artifacts, and the project's tags and secrets.
 */
import { useEffect, useState } from 'react';
import type { ProjectInfo } from '../../main/common/api/operations';
import { useApi } from './api/context';
import { listenForTasks } from './artifacts/tasks';
import { ErrorNote } from './components/ErrorNote';
import { SecretsPanel } from './panels/SecretsPanel';
import { TagsPanel } from './panels/TagsPanel';
import { ProjectPicker } from './project/ProjectPicker';
import { Workflows } from './project/Workflows';
import { RunDetail } from './RunDetail';
import { RunsList } from './runs/RunsList';
import { useRuns } from './runs/useRuns';
import { useAppStore } from './store';

type View = 'runs' | 'tags' | 'secrets';

export function MainScreen() {
  const api = useApi();
  const { project, info, config, openProject } = useAppStore();
  useEffect(() => listenForTasks(api), [api]);

  if (!project) return <main className="main"><ProjectPicker transport={info?.transport ?? 'http'} onOpen={openProject} /></main>;
  return <ProjectView key={project.id} project={project} aws={config?.backend === 'aws'} ipc={info?.transport === 'ipc'} />;
}

function ProjectView({ project, aws, ipc }: { project: ProjectInfo; aws: boolean; ipc: boolean }) {
  const { selectedRun, selectRun, openProject } = useAppStore();
  const { runs, error } = useRuns(project.id);
  const [view, setView] = useState<View>('runs');

  return (
    <main className="main" aria-label={`Project ${project.name}`}>
      <div className="project-bar row">
        <h1>{project.name}</h1>
        <span className="muted">{project.displayPath}</span>
        <nav aria-label="Project sections" className="tabs">
          {(['runs', 'tags', 'secrets'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)}>
              {v[0]!.toUpperCase() + v.slice(1)}
            </button>
          ))}
        </nav>
        <button type="button" onClick={() => openProject(null)}>
          Open another project
        </button>
      </div>
      <ErrorNote error={error} />
      {view === 'runs' && (
        <div className="runs-layout">
          <Workflows projectId={project.id} aws={aws} onSubmitted={selectRun} />
          <div className="runs-main">
            {runs && <RunsList projectId={project.id} runs={runs} selected={selectedRun} onSelect={selectRun} />}
            {selectedRun && <RunDetail projectId={project.id} runName={selectedRun} ipc={ipc} />}
          </div>
        </div>
      )}
      {view === 'tags' && <TagsPanel projectId={project.id} runs={runs ?? []} />}
      {view === 'secrets' && <SecretsPanel projectId={project.id} />}
    </main>
  );
}
