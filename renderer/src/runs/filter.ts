/** The runs list's filter, kept pure so it is tested without a DOM. */
import type { RunSummary } from '../../../main/common/api/operations';
import { isTerminal, type JobStatus } from '../../../main/common/status';

/** 'active' and 'finished' group statuses; a single status matches exactly. */
export type StatusFilter = 'all' | 'active' | 'finished' | JobStatus;

export interface RunFilter {
  status: StatusFilter;
  workflow: string;
  /** Free text matched against the run's name, workflow, tag and reason. */
  text?: string;
}

export function filterRuns(runs: readonly RunSummary[], f: RunFilter): RunSummary[] {
  return runs
    .filter((r) => {
      if (f.workflow && r.workflowName !== f.workflow) return false;
      const q = f.text?.trim().toLowerCase();
      if (q && ![r.runName, r.workflowName, r.tag ?? '', r.statusReason ?? ''].some((v) => v.toLowerCase().includes(q))) return false;
      if (f.status === 'all') return true;
      if (f.status === 'active') return !isTerminal(r.status);
      if (f.status === 'finished') return isTerminal(r.status);
      return r.status === f.status;
    })
    .sort((a, b) => b.submittedAt - a.submittedAt);
}

/** Cost so far, from the offer's price and the time the run has had its instance. */
export function costSoFar(r: RunSummary, now: number): number | undefined {
  if (!r.offer) return undefined;
  const end = r.finishedAt ?? now;
  return (r.offer.pricePerHour * Math.max(0, end - r.submittedAt)) / 3_600_000;
}
