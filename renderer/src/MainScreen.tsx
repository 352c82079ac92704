/**
 * The daily screen: the project picker until a project is open, then the
 * view the sidebar chose: runs as a master/detail split (the list beside the
 * selected run's log, artifacts and details, so the log is always in view),
 * tags, or secrets.
 */
import { useEffect } from 'react';
import type { ProjectInfo } from '../../main/common/api/operations';
import { useApi } from './api/context';
import { listenForTasks } from './artifacts/tasks';
import { ErrorNote } from './components/ErrorNote';
import { SecretsPanel } from './panels/SecretsPanel';
import { TagsPanel } from './panels/TagsPanel';
import { ProjectPicker } from './project/ProjectPicker';
import { RunDetail } from './RunDetail';
import { RunsList } from './runs/RunsList';
import { useRuns } from './runs/useRuns';
import { SplitPane } from './shell/SplitPane';
import { useFocusOn } from './shell/useFocusOn';
import { useAppStore } from './store';
import { useCapabilities } from './capabilities';

export function MainScreen() {
  const api = useApi();
  const { project, info, openProject } = useAppStore();
  useEffect(() => listenForTasks(api), [api]);

  if (!project) return <ProjectPicker transport={info?.transport ?? 'http'} onOpen={openProject} />;
  return <ProjectView key={project.id} project={project} ipc={info?.transport === 'ipc'} />;
}

function ProjectView({ project, ipc }: { project: ProjectInfo; ipc: boolean }) {
  const { selectedRun, selectRun, view } = useAppStore();
  const { secrets } = useCapabilities();
  const { runs, error } = useRuns(project.id);
  const run = runs?.find((r) => r.runName === selectedRun);
  const heading = useFocusOn<HTMLHeadingElement>('project');

  useEffect(() => {
    document.title = [run?.runName, project.name, 'dstack'].filter(Boolean).join(' — ');
  }, [run?.runName, project.name]);

  return (
    <div className="project-view" aria-label={`Project ${project.name}`}>
      <h1 className="sr-only" tabIndex={-1} ref={heading}>
        {project.name}
      </h1>
      <ErrorNote error={error} />
      {view === 'runs' && (
        <SplitPane storageKey="dstack.split.runs" label="Resize the runs list"
          start={runs ? <RunsList runs={runs} selected={selectedRun} onSelect={selectRun} /> : <p className="muted empty">Loading runs…</p>}
          end={run ? <RunDetail key={run.runName} projectId={project.id} run={run} ipc={ipc} onRemoved={() => selectRun(null)} />
            : <p className="muted empty">{runs?.length ? 'Select a run to see its log, artifacts and details.' : 'Runs appear here. Pick a workflow in the sidebar and press Run.'}</p>} />
      )}
      {view === 'tags' && <TagsPanel projectId={project.id} runs={runs ?? []} />}
      {view === 'secrets' && secrets && <SecretsPanel projectId={project.id} />}
    </div>
  );
}
