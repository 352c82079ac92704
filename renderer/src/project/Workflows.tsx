/**
 * The project's workflows with their help, and the files that failed to
 * parse with their errors at file:line, so a typo is found without a CLI.
 */
import { useEffect, useState } from 'react';
import type { WorkflowInfo, WorkflowIssueInfo } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { RunForm } from './RunForm';

export function Workflows({ projectId, aws, onSubmitted }: { projectId: string; aws: boolean; onSubmitted: (runName: string) => void }) {
  const api = useApi();
  const [data, setData] = useState<{ workflows: WorkflowInfo[]; errors: WorkflowIssueInfo[] } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const load = useAction(() => api.call('projects.workflows', { projectId }));
  const reload = () => void load.run().then((d) => d && setData(d));

  useEffect(reload, [projectId]);

  return (
    <section aria-labelledby="wf-title" className="workflows">
      <div className="row">
        <h2 id="wf-title">Workflows</h2>
        <button type="button" onClick={reload} disabled={load.busy}>
          Reload
        </button>
      </div>
      <ErrorNote error={load.error} />
      {data?.errors.length ? (
        <ul className="issues" aria-label="Workflow file errors">
          {data.errors.map((e, i) => (
            <li key={i} role="alert">
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
          <li key={w.name}>
            <div className="row">
              <strong>{w.name}</strong>
              <span className="badge">{w.provider}</span>
              <button type="button" onClick={() => setOpen(open === w.name ? null : w.name)} aria-expanded={open === w.name} aria-label={`Run ${w.name}`}>
                Run
              </button>
            </div>
            {w.help && <p className="muted">{w.help}</p>}
            {open === w.name && (
              <RunForm projectId={projectId} workflow={w.name} aws={aws} onClose={() => setOpen(null)}
                onSubmitted={(runName) => { setOpen(null); onSubmitted(runName); }} />
            )}
          </li>
        ))}
      </ul>
      {data && data.workflows.length === 0 && data.errors.length === 0 && <p className="muted">No workflows in .dstack/workflows.</p>}
    </section>
  );
}
