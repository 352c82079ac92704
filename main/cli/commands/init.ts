/** `dstack init`: makes the current folder a dstack project (creates `.dstack/workflows/`) and shows its repo id. */
import { Command } from 'commander';
import { initProject } from '../../core/project-init';
import { repoIdOf } from '../../core/project';

export function initCommand(): Command {
  return new Command('init')
    .description('Make the current folder a dstack project.')
    .action(async () => {
      const root = await initProject(process.cwd());
      console.log(`Project ${root} (repo ${await repoIdOf(root)}); workflows go in .dstack/workflows/*.yaml.`);
    });
}
