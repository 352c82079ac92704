/** `dstack init`: makes the current folder a dstack project (creates `.dstack/workflows/`) and shows its repo id. */
import { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findProjectRoot, repoIdOf } from '../../core/project';

export function initCommand(): Command {
  return new Command('init')
    .description('Make the current folder a dstack project.')
    .action(async () => {
      const root = await findProjectRoot(process.cwd()).catch(() => process.cwd());
      await mkdir(join(root, '.dstack', 'workflows'), { recursive: true });
      console.log(`Project ${root} (repo ${await repoIdOf(root)}); workflows go in .dstack/workflows/*.yaml.`);
    });
}
