/** `dstack tags add|delete|list`: names for runs' artifacts, usable as `deps: [{tag}]` and `:TAG`. */
import { Command } from 'commander';
import type { CliContext } from '../context';
import { table } from '../output';

export function tagsCommand(ctx: CliContext): Command {
  const tags = new Command('tags').description('Name the artifacts of a run, to use as a dependency.');
  tags
    .command('list', { isDefault: true })
    .description('List tags.')
    .action(async () => {
      const hub = await ctx.hub();
      const list = hub ? await hub.call('tags.list', { projectId: hub.projectId }) : await ctx.forProject().then(({ service, repo }) => service.listTags(repo));
      const rows = list.map((t) => [t.tag, t.runName]);
      console.log(table(['TAG', 'RUN'], rows));
    });
  tags
    .command('add')
    .description('Tag a done or stopped run that has artifacts.')
    .argument('<tag>', 'the tag name')
    .argument('<run>', 'the run name')
    .action(async (tag: string, run: string) => {
      const hub = await ctx.hub();
      if (hub) await hub.call('tags.add', { projectId: hub.projectId, tag, runName: run });
      else await ctx.forProject().then(({ service, repo }) => service.addTag(repo, tag, run));
      console.log(`Tagged ${run} as ${tag}.`);
    });
  tags
    .command('delete')
    .description('Delete a tag; the run and its artifacts stay.')
    .argument('<tag>', 'the tag name')
    .action(async (tag: string) => {
      const hub = await ctx.hub();
      if (hub) await hub.call('tags.delete', { projectId: hub.projectId, tag });
      else await ctx.forProject().then(({ service, repo }) => service.deleteTag(repo, tag));
      console.log(`Deleted tag ${tag}.`);
    });
  return tags;
}
