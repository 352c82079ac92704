/** The selected run's log and artifacts, side by side with tabs on narrow windows. */
import { useState } from 'react';
import { ArtifactBrowser } from './artifacts/ArtifactBrowser';
import { LogPane } from './logs/LogPane';

export function RunDetail({ projectId, runName, ipc }: { projectId: string; runName: string; ipc: boolean }) {
  const [tab, setTab] = useState<'log' | 'artifacts'>('log');
  return (
    <section className="run-detail" aria-label={`Run ${runName}`}>
      <div role="tablist" aria-label="Run details" className="tabs">
        <button type="button" role="tab" aria-selected={tab === 'log'} onClick={() => setTab('log')}>
          Log
        </button>
        <button type="button" role="tab" aria-selected={tab === 'artifacts'} onClick={() => setTab('artifacts')}>
          Artifacts
        </button>
      </div>
      <div role="tabpanel" aria-label={tab === 'log' ? 'Log' : 'Artifacts'} className="tab-panel">
        {tab === 'log' ? <LogPane key={runName} projectId={projectId} runName={runName} /> : <ArtifactBrowser projectId={projectId} runName={runName} ipc={ipc} />}
      </div>
    </section>
  );
}
