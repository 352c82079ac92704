/**
 * `dstack secrets add|list|delete`: values become environment variables of
 * the project's jobs and are masked in their logs. A value is read from a
 * hidden prompt or stdin, never from argv.
 */
import { Command } from 'commander';
import type { CliContext } from '../context';
import { readSecretValue } from '../prompt';

export function secretsCommand(ctx: CliContext): Command {
  const secrets = new Command('secrets').description('Manage secrets: environment variables of jobs, masked in logs.');
  secrets
    .command('list', { isDefault: true })
    .description('List secret names (never values).')
    .action(async () => {
      const { service, repo } = await ctx.forProject();
      for (const name of await service.listSecrets(repo)) console.log(name);
    });
  secrets
    .command('add')
    .description('Add or replace a secret; the value is read from a prompt, or from stdin when piped.')
    .argument('<name>', 'the variable name, e.g. WANDB_API_KEY')
    .action(async (name: string) => {
      const { service, repo } = await ctx.forProject();
      await service.addSecret(repo, name, await readSecretValue(name));
      console.log(`Secret ${name} saved.`);
    });
  secrets
    .command('delete')
    .description('Delete a secret.')
    .argument('<name>', 'the secret name')
    .action(async (name: string) => {
      const { service, repo } = await ctx.forProject();
      await service.deleteSecret(repo, name);
      console.log(`Secret ${name} deleted.`);
    });
  return secrets;
}
