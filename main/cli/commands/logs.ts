/** `dstack logs RUN [-f]`: a run's output, from any client, live with -f. */
import { Command } from 'commander';
import type { CliContext } from '../context';
import { printEvents } from '../output';

export function logsCommand(ctx: CliContext): Command {
  return new Command('logs')
    .description('Show the output of a run.')
    .argument('<run>', 'the run name')
    .option('-f, --follow', 'keep printing until the run ends')
    .option('--timestamps', 'prefix each line with its time (UTC)')
    .action(async (run: string, opts: { follow?: boolean; timestamps?: boolean }) => {
      const hub = await ctx.hub();
      const controller = new AbortController();
      const onInterrupt = (): void => controller.abort();
      process.once('SIGINT', onInterrupt);
      try {
        if (hub) {
          const print = (lines: Parameters<typeof printEvents>[0]) => printEvents(lines, { timestamps: opts.timestamps });
          return await (await import('../hub/follow')).followHubLog(hub, run, print, controller.signal, { follow: !!opts.follow });
        }
        const { service, repo } = await ctx.forProject();
        for await (const batch of await service.logs(repo, run, { follow: opts.follow, signal: controller.signal })) {
          printEvents(batch, { timestamps: opts.timestamps });
        }
      } catch (err) {
        if (!controller.signal.aborted) throw err;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}
