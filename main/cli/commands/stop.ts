/** `dstack stop RUN [-x]`: asks the runner to stop (keeping artifacts), or to abort at once. */
import { Command } from 'commander';
import { isTerminal } from '../../common/status';
import type { CliContext } from '../context';

export function stopCommand(ctx: CliContext): Command {
  return new Command('stop')
    .description('Stop a run gracefully (artifacts are kept), or abort it with -x.')
    .argument('<run>', 'the run name')
    .option('-x, --abort', 'kill at once and keep no artifacts')
    .action(async (run: string, opts: { abort?: boolean }) => {
      const hub = await ctx.hub();
      if (hub) {
        // The stop's own answer, not a listing after it: a listing can miss a run whose status is changing that moment.
        const job = await hub.call('runs.stop', { projectId: hub.projectId, runName: run, abort: !!opts.abort });
        if (isTerminal(job.status)) console.log(`Run ${run} is ${job.status}.`);
        else console.log(`${opts.abort ? 'Abort' : 'Stop'} requested for ${run}.`);
        return;
      }
      const { service, repo } = await ctx.forProject();
      const job = await service.stop(repo, run, { abort: opts.abort, onNote: (line) => process.stderr.write(`${line}\n`) });
      if (isTerminal(job.status)) console.log(`Run ${run} is ${job.status}.`);
      else console.log(`${opts.abort ? 'Abort' : 'Stop'} requested for ${run}.`);
    });
}
