/** The Details tab: everything known about a run, as a definition list, so nothing needs a CLI to find out. */
import type { RunSummary } from '../../../main/common/api/operations';
import { formatDuration, formatMoney, formatTime } from '../components/format';
import { costSoFar } from './filter';

function resourcesText(r: NonNullable<RunSummary['resources']>): string {
  const parts = [
    r.cpu ? `${r.cpu} CPU` : '',
    r.memoryMiB ? `${Math.round(r.memoryMiB / 1024)} GiB memory` : '',
    r.gpu ? `${r.gpu.count}× ${r.gpu.name ?? 'GPU'}` : '',
    r.interruptible ? 'spot' : '',
  ];
  return parts.filter(Boolean).join(', ') || 'default';
}

export function RunInfo({ run, now }: { run: RunSummary; now: number }) {
  const cost = costSoFar(run, now);
  const rows: [string, string | undefined][] = [
    ['Status', run.status],
    ['Reason', run.statusReason],
    ['Exit code', run.exitCode === undefined ? undefined : String(run.exitCode)],
    ['Workflow', run.workflowName],
    ['Backend', run.backend],
    ['Tag', run.tag],
    ['Submitted', formatTime(run.submittedAt)],
    ['Started', run.startedAt ? formatTime(run.startedAt) : undefined],
    ['Finished', run.finishedAt ? formatTime(run.finishedAt) : undefined],
    ['Duration', formatDuration(((run.finishedAt ?? now) - run.submittedAt) / 1000)],
    ['Commit', run.git ? `${run.git.commit.slice(0, 10)}${run.git.branch ? ` on ${run.git.branch}` : ''}${run.git.dirty ? ' (with uncommitted changes)' : ''}` : undefined],
    ['Resources', run.resources ? resourcesText(run.resources) : undefined],
    ['Instance', run.offer ? `${run.offer.instanceType}${run.offer.spot ? ' (spot)' : ''} in ${run.offer.region}${run.instanceId ? ` · ${run.instanceId}` : ''}` : run.instanceId],
    ['Price', run.offer ? `${formatMoney(run.offer.pricePerHour)}/hour` : undefined],
    ['Cost so far', cost === undefined ? undefined : formatMoney(cost)],
  ];
  return (
    <dl className="summary run-info">
      {rows.filter(([, v]) => v).map(([k, v]) => (
        <div key={k} className="summary-row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
