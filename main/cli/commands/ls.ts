/** `dstack ls RUN|:TAG [PATH]`: a run's artifact files with sizes, printed as pages arrive, names escaped (common/printable.ts). */
import { Command } from 'commander';
import { NotFoundError } from '../../common/errors';
import { printable } from '../../common/printable';
import type { CliContext } from '../context';
import { bytes } from '../output';

export function lsCommand(ctx: CliContext): Command {
  return new Command('ls')
    .description('List the artifacts of a run, or of a tag written :TAG.')
    .argument('<run>', 'a run name, or :TAG')
    .argument('[path]', 'a folder or file inside the artifacts', '')
    .action(async (run: string, path: string) => {
      const hub = await ctx.hub();
      let count = 0;
      const files = hub ? await (await import('../hub/artifacts')).hubArtifactFiles(hub, run, path) : await ctx.forProject().then(({ service, repo }) => service.artifactFiles(repo, run, path));
      for await (const f of files) {
        console.log(`${printable(f.path)}  ${bytes(f.size)}`);
        count++;
      }
      if (!count && path) throw new NotFoundError(`No artifact ${path} in ${run}.`, `List them all with: dstack ls ${run}`);
    });
}
