/**
 * The detail side of the runs view: the selected run's name, status and
 * actions on top, then tabs for its Log, Artifacts and Details. Stop and
 * Abort go away as soon as the run or its log has finished, so nobody
 * presses Stop on a run that already ended.
 */
import { useState } from 'react';
import { CircleStop, OctagonX, Trash2 } from 'lucide-react';
import type { RunSummary } from '../../main/common/api/operations';
import { isTerminal } from '../../main/common/status';
import { useApi } from './api/context';
import { ArtifactBrowser } from './artifacts/ArtifactBrowser';
import { useCapabilities } from './capabilities';
import { ConfirmButton } from './components/ConfirmButton';
import { ErrorNote } from './components/ErrorNote';
import { Tabs } from './components/Tabs';
import { useAction } from './components/useAction';
import { useNow } from './components/useNow';
import { LogPane } from './logs/LogPane';
import { RunInfo } from './runs/RunInfo';
import { RunStatus } from './runs/RunStatus';
import { toast } from './shell/toasts';
import { useFocusOn } from './shell/useFocusOn';

type Tab = 'log' | 'artifacts' | 'details';
const TABS = [
  { id: 'log', label: 'Log' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'details', label: 'Details' },
] as const;

export function RunDetail({ projectId, run, ipc, onRemoved }: { projectId: string; run: RunSummary; ipc: boolean; onRemoved: () => void }) {
  const api = useApi();
  const { run: canAct } = useCapabilities();
  const [tab, setTab] = useState<Tab>('log');
  const [logDone, setLogDone] = useState(false);
  const [logLines, setLogLines] = useState(0);
  const now = useNow(1000, !isTerminal(run.status));
  const act = useAction((fn: () => Promise<void>) => fn());
  const title = useFocusOn<HTMLHeadingElement>('run');
  const { runName } = run;
  const finished = isTerminal(run.status) || !!run.unreadable || logDone;
  // A run whose log is already streaming has started, whatever the last status push said.
  const shown = run.status === 'submitted' && logLines > 0 ? { ...run, status: 'running' as const } : run;

  const stop = (abort: boolean) =>
    void act.run(async () => {
      await api.call('runs.stop', { projectId, runName, abort });
      toast(abort ? `Aborting ${runName}.` : `Stopping ${runName}; its artifacts will be saved.`);
    });
  const remove = () =>
    void act.run(async () => {
      await api.call('runs.remove', { projectId, runName });
      toast(`Removed ${runName}.`);
      onRemoved();
    });

  return (
    <section className="run-detail" aria-labelledby="run-title">
      <header className="detail-head">
        <h2 id="run-title" tabIndex={-1} ref={title}>
          {runName}
        </h2>
        <RunStatus run={shown} />
        <span className="spacer" />
        {canAct && !finished && (
          <>
            <button type="button" onClick={() => stop(false)} disabled={run.status === 'stopping'} aria-label={`Stop ${runName}`}>
              <CircleStop size={15} aria-hidden /> Stop
            </button>
            <ConfirmButton label="Abort" icon={<OctagonX size={15} aria-hidden />} question={`Abort ${runName}? Artifacts will not be uploaded.`}
              confirmLabel={`Abort ${runName}`} onConfirm={() => stop(true)} />
          </>
        )}
        {canAct && (isTerminal(run.status) || run.unreadable) ? (
          <ConfirmButton label="Remove" icon={<Trash2 size={15} aria-hidden />} question={`Remove ${runName} and its artifacts?`}
            confirmLabel={`Remove ${runName}`} onConfirm={remove} />
        ) : null}
      </header>
      <ErrorNote error={act.error} />
      <Tabs label="Run details" tabs={TABS} selected={tab} onSelect={setTab}>
        {tab === 'log' && (
          <LogPane key={runName} projectId={projectId} runName={runName}
            onProgress={(lines, done) => { setLogLines(lines); setLogDone(done); }} />
        )}
        {tab === 'artifacts' && <ArtifactBrowser projectId={projectId} runName={runName} ipc={ipc} />}
        {tab === 'details' && <RunInfo run={run} now={now} />}
      </Tabs>
    </section>
  );
}
