/**
 * The project's workflows in the sidebar, each with Run, and the files that
 * failed to parse with their errors at file:line:col, so a typo is found
 * without a CLI. The list follows the files (projects.watchWorkflows), so
 * edits made in an editor show up without a click.
 */
import { useEffect, useState } from 'react';
import { Play, RotateCw } from 'lucide-react';
import type { WorkflowInfo, WorkflowIssueInfo } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { subscribe } from '../api/subscribe';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { useAppStore } from '../store';
import { RunDialog } from './RunDialog';
import { useCapabilities } from '../capabilities';

export function WorkflowList({ projectId, aws }: { projectId: string; aws: boolean }) {
  const api = useApi();
  const submitted = useAppStore((s) => s.submitted);
  const { run: canRun } = useCapabilities();
  const [data, setData] = useState<{ workflows: WorkflowInfo[]; errors: WorkflowIssueInfo[] } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const load = useAction(() => api.call('projects.workflows', { projectId }));
  const reload = () => void load.run().then((d) => d && setData(d));

  useEffect(() => {
    reload();
    return subscribe(api, 'projects.watchWorkflows', { projectId }, 'workflows.changed', { onPayload: reload, onError: () => undefined, onRestart: reload });
  }, [projectId]);

  return (
    <section aria-labelledby="wf-title" className="workflows">
      <div className="sb-heading">
        <h2 id="wf-title" className="sb-title">Workflows</h2>
        <button type="button" className="icon" onClick={reload} disabled={load.busy} aria-label="Reload workflows" title="Reload workflows">
          <RotateCw size={14} aria-hidden />
        </button>
      </div>
      <ErrorNote error={load.error} />
      {data?.errors.length ? (
        <ul className="issues" aria-label="Workflow file errors">
          {data.errors.map((e, i) => (
            <li key={i}>
              <code>
                {e.file}:{e.line}:{e.column}
              </code>{' '}
              {e.field && <strong>{e.field}: </strong>}
              {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      <ul className="workflow-list" aria-label="Workflows">
        {data?.workflows.map((w) => (
          <li key={w.name} title={w.help}>
            <span className="wf-name">{w.name}</span>
            <span className="badge">{w.provider}</span>
            {canRun && (
              <button type="button" className="icon" onClick={() => setOpen(w.name)} aria-label={`Run ${w.name}`} title={`Run ${w.name}`}>
                <Play size={14} aria-hidden />
              </button>
            )}
            {w.help && <p className="muted wf-help">{w.help}</p>}
          </li>
        ))}
      </ul>
      {data && data.workflows.length === 0 && data.errors.length === 0 && <p className="muted">No workflows in .dstack/workflows.</p>}
      {canRun && open && (
        <RunDialog projectId={projectId} workflow={open} aws={aws} onClose={() => setOpen(null)}
          onSubmitted={(runName) => { setOpen(null); submitted(runName); }} />
      )}
    </section>
  );
}
