/**
 * `dstack config`: shows `~/.dstack/config.yaml`; `dstack config local`
 * selects the local backend. Other backends add their own subcommand
 * (`config aws`) to the Command this returns.
 */
import { Command } from 'commander';
import { configPath, readConfigFile, writeConfigFile } from '../../core/config-file';
import type { CliContext } from '../context';
import { configAwsCommand } from './config-aws';

export function configCommand(ctx: CliContext): Command {
  const config = new Command('config')
    .description('Show or set the backend (~/.dstack/config.yaml).')
    .action(async () => {
      const cfg = await readConfigFile(ctx.home);
      console.log(`${configPath(ctx.home)}:`);
      for (const [k, v] of Object.entries(cfg)) console.log(`  ${k}: ${v}`);
    });
  config
    .command('local')
    .description('Run jobs on this machine (the default; works offline).')
    .action(async () => {
      const path = await writeConfigFile(ctx.home, { backend: 'local' });
      console.log(`Backend set to local in ${path}.`);
    });
  config.addCommand(configAwsCommand(ctx));
  return config;
}
