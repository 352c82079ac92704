/**
 * `dstack secrets add|update|list|delete`: values become environment
 * variables of the project's jobs and are masked in their logs. A value is
 * best read from a hidden prompt or stdin; dstack 0.7's `secrets add NAME
 * VALUE` still works, with a warning, since argv lands in shell history and
 * is visible to other users in `ps` while the command runs.
 */
import { Command } from 'commander';
import { NotFoundError } from '../../common/errors';
import type { CliContext } from '../context';
import { readSecretValue } from '../prompt';

/** The warning printed when the value came on the command line. */
export function argvValueWarning(verb: 'add' | 'update', name: string): string {
  return `Warning: a value given on the command line stays in your shell history and shows in \`ps\` while the command runs. ` +
    `Next time leave it out and type it at the prompt, or pipe it: printf %s "$VALUE" | dstack secrets ${verb} ${name}`;
}

async function valueOf(verb: 'add' | 'update', name: string, given: string | undefined): Promise<string> {
  if (given === undefined) return readSecretValue(name);
  process.stderr.write(`${argvValueWarning(verb, name)}\n`);
  return given;
}

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
    .argument('[value]', 'the value (kept in shell history: prefer the prompt or stdin)')
    .action(async (name: string, given: string | undefined) => {
      const { service, repo } = await ctx.forProject();
      await service.addSecret(repo, name, await valueOf('add', name, given));
      console.log(`Secret ${name} saved.`);
    });
  secrets
    .command('update')
    .description('Change the value of an existing secret; read as for add.')
    .argument('<name>', 'the secret name')
    .argument('[value]', 'the new value (kept in shell history: prefer the prompt or stdin)')
    .action(async (name: string, given: string | undefined) => {
      const { service, repo } = await ctx.forProject();
      if (!(await service.listSecrets(repo)).includes(name)) {
        throw new NotFoundError(`Secret ${name} does not exist, so there is nothing to update.`, `Add it with: dstack secrets add ${name}`);
      }
      await service.addSecret(repo, name, await valueOf('update', name, given));
      console.log(`Secret ${name} updated.`);
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
