/** The end: what was configured, and the way into the app (through a team hub, straight into the hub project). */
import type { ConfigSummary } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { useAppStore } from '../store';

function summary(config: ConfigSummary | null): string {
  if (config?.hub) {
    const { url, project, role } = config.hub;
    return `dstack will run workflows through the team hub at ${new URL(url).host}, in project ${project}${role ? ` (role ${role})` : ''}.`;
  }
  if (config?.backend === 'aws' && config.aws) return `dstack will run workflows on AWS in ${config.aws.region}, with artifacts in ${config.aws.bucket}.`;
  if (config?.backend === 'gcp' && config.gcp) {
    return `dstack will run workflows on GCP in ${config.gcp.zone} (project ${config.gcp.project}), with artifacts in ${config.gcp.bucket}.`;
  }
  return 'dstack will run workflows on this computer.';
}

export function DoneStep({ config, onFinish }: { config: ConfigSummary | null; onFinish: () => void }) {
  const api = useApi();
  const openProject = useAppStore((s) => s.openProject);
  // The hub project is the only one there is: open it rather than ask for a folder.
  const openHub = useAction(() => api.call('projects.open', {}));
  const finish = async () => {
    if (config?.hub) {
      const project = await openHub.run();
      if (!project) return;
      openProject(project);
    }
    onFinish();
  };
  return (
    <>
      <p role="status">{summary(config)}</p>
      <p className="muted">You can change this any time in Settings.</p>
      <ErrorNote error={openHub.error} />
      <div className="step-nav">
        <button type="button" className="primary" onClick={() => void finish()} disabled={openHub.busy} autoFocus>
          {config?.hub ? `Open ${config.hub.project}` : 'Open a project'}
        </button>
      </div>
    </>
  );
}
