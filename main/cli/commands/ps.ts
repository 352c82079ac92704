/** `dstack ps [-a]`: the project's runs, one line each; unfinished ones and the latest by default. */
import { Command } from 'commander';
import type { RunSummary } from '../../common/job';
import type { CliContext } from '../context';
import { ago, table } from '../output';

/** The listing `ps` prints, the same for the local backends and a team hub. */
export function psTable(runs: RunSummary[]): string {
  const rows = runs.map((r) => [
    r.runName,
    r.workflowName,
    r.unreadable ? 'unreadable' : r.status,
    ago(r.submittedAt),
    r.tag ?? '',
    r.backend,
    r.unreadable ? `${r.unreadable.where}: ${r.unreadable.problem}` : (r.statusReason ?? ''),
  ]);
  return table(['RUN', 'WORKFLOW', 'STATUS', 'SUBMITTED', 'TAG', 'BACKEND', 'REASON'], rows);
}

export function psCommand(ctx: CliContext): Command {
  return new Command('ps')
    .description('List runs: unfinished ones and the latest, or all with -a.')
    .option('-a, --all', 'show every run')
    .action(async (opts: { all?: boolean }) => {
      const hub = await ctx.hub();
      // The hub reconciles its projects itself.
      if (hub) return void console.log(psTable(await hub.call('runs.list', { projectId: hub.projectId, all: opts.all })));
      const { service, repo } = await ctx.forProject();
      // The reconcile pass runs alongside the listing, so it costs ps no time of its own; a run it failed is shown as failed.
      const [fixed, listed] = await Promise.all([ctx.reconcile(), service.list(repo, { all: opts.all })]);
      const byJob = new Map(fixed.map((r) => [r.jobId, r]));
      console.log(psTable(listed.map((r) => byJob.get(r.jobId) ?? r)));
    });
}
