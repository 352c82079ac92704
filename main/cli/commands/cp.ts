/** `dstack cp RUN|:TAG SRC DST`: downloads an artifact file or folder, resumable and verified by the storage. */
import { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from '../context';
import { bytes } from '../output';

export function cpCommand(ctx: CliContext): Command {
  return new Command('cp')
    .description('Download an artifact file or folder of a run, or of a tag written :TAG.')
    .argument('<run>', 'a run name, or :TAG')
    .argument('<src>', 'a file or folder inside the artifacts')
    .argument('<dst>', 'where to put it on this machine')
    .action(async (run: string, src: string, dst: string) => {
      const target = resolve(dst) + (/[\\/]$/.test(dst) ? '/' : '');
      const hub = await ctx.hub();
      const r = hub ? await (await import('../hub/artifacts')).hubCopy(hub, run, src, target) : await ctx.forProject().then(({ service, repo }) => service.copyArtifacts(repo, run, src, target));
      console.log(`Copied ${r.files} file(s), ${bytes(r.bytes)}, to ${dst}.`);
    });
}
