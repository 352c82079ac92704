/** `dstack ps [-a]`: the project's runs, one line each; unfinished ones and the latest by default. */
import { Command } from 'commander';
import type { CliContext } from '../context';
import { ago, table } from '../output';

export function psCommand(ctx: CliContext): Command {
  return new Command('ps')
    .description('List runs: unfinished ones and the latest, or all with -a.')
    .option('-a, --all', 'show every run')
    .action(async (opts: { all?: boolean }) => {
      const { service, repo } = await ctx.forProject();
      await service.reconcile(repo);
      const runs = await service.list(repo, { all: opts.all });
      const rows = runs.map((r) => [r.runName, r.workflowName, r.status, ago(r.submittedAt), r.tag ?? '', r.backend, r.statusReason ?? '']);
      console.log(table(['RUN', 'WORKFLOW', 'STATUS', 'SUBMITTED', 'TAG', 'BACKEND', 'REASON'], rows));
    });
}
