/** `dstack rm RUN`: deletes a finished run with its artifacts. */
import { Command } from 'commander';
import type { CliContext } from '../context';

export function rmCommand(ctx: CliContext): Command {
  return new Command('rm')
    .description('Remove a finished run and its artifacts.')
    .argument('<run>', 'the run name')
    .action(async (run: string) => {
      const hub = await ctx.hub();
      if (hub) {
        await hub.call('runs.remove', { projectId: hub.projectId, runName: run });
        return void console.log(`Removed ${run}.`);
      }
      const { service, repo } = await ctx.forProject();
      await service.remove(repo, run);
      console.log(`Removed ${run}.`);
    });
}
