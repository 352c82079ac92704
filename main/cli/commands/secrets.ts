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

interface SecretStore {
  list(): Promise<string[]>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The project's secrets: in the team hub's project when one is connected, else in the configured backend. */
async function secretStore(ctx: CliContext): Promise<SecretStore> {
  const hub = await ctx.hub();
  if (hub) {
    const projectId = hub.projectId;
    return {
      list: () => hub.call('secrets.list', { projectId }),
      set: (name, value) => hub.call('secrets.set', { projectId, name, value }),
      delete: (name) => hub.call('secrets.delete', { projectId, name }),
    };
  }
  const { service, repo } = await ctx.forProject();
  return { list: () => service.listSecrets(repo), set: (name, value) => service.addSecret(repo, name, value), delete: (name) => service.deleteSecret(repo, name) };
}

export function secretsCommand(ctx: CliContext): Command {
  const secrets = new Command('secrets').description('Manage secrets: environment variables of jobs, masked in logs.');
  secrets
    .command('list', { isDefault: true })
    .description('List secret names (never values).')
    .action(async () => {
      for (const name of await (await secretStore(ctx)).list()) console.log(name);
    });
  secrets
    .command('add')
    .description('Add or replace a secret; the value is read from a prompt, or from stdin when piped.')
    .argument('<name>', 'the variable name, e.g. WANDB_API_KEY')
    .argument('[value]', 'the value (kept in shell history: prefer the prompt or stdin)')
    .action(async (name: string, given: string | undefined) => {
      const store = await secretStore(ctx);
      await store.set(name, await valueOf('add', name, given));
      console.log(`Secret ${name} saved.`);
    });
  secrets
    .command('update')
    .description('Change the value of an existing secret; read as for add.')
    .argument('<name>', 'the secret name')
    .argument('[value]', 'the new value (kept in shell history: prefer the prompt or stdin)')
    .action(async (name: string, given: string | undefined) => {
      const store = await secretStore(ctx);
      if (!(await store.list()).includes(name)) {
        throw new NotFoundError(`Secret ${name} does not exist, so there is nothing to update.`, `Add it with: dstack secrets add ${name}`);
      }
      await store.set(name, await valueOf('update', name, given));
      console.log(`Secret ${name} updated.`);
    });
  secrets
    .command('delete')
    .description('Delete a secret.')
    .argument('<name>', 'the secret name')
    .action(async (name: string) => {
      await (await secretStore(ctx)).delete(name);
      console.log(`Secret ${name} deleted.`);
    });
  return secrets;
}
