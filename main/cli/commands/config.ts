/**
 * `dstack config`: on a terminal, asks which backend to set up (the
 * registry's backends, then a team hub) and runs that backend's setup;
 * without one (a script, a pipe) it shows `~/.dstack/config.yaml` as it
 * always did. `dstack config local` selects the local backend; other
 * backends add their own subcommand (`config aws`, `config gcp`).
 */
import { Command } from 'commander';
import type { BackendName } from '../../common/backends';
import { BACKENDS } from '../../common/backends';
import { configPath, readConfigFile, writeConfigFile } from '../../core/config-file';
import type { CliContext } from '../context';
import { interactive, Prompter } from '../prompt';
import { configAws, configAwsCommand } from './config-aws';
import { configGcp, configGcpCommand } from './config-gcp';
import { configHubCommand } from './config-hub';
import { leaveHub, leftHubLine } from '../hub/leave';

/** What `dstack config` prints for hub: the hub's own command, which takes the server's address and the project there. */
export const HUB_COMMAND = 'dstack config hub --url URL --project NAME';

type Choice = BackendName | 'hub';

async function showConfig(home: string): Promise<void> {
  const cfg = await readConfigFile(home);
  console.log(`${configPath(home)}:`);
  for (const [k, v] of Object.entries(cfg)) console.log(`  ${k}: ${v}`);
}

async function useLocal(home: string): Promise<void> {
  const path = await writeConfigFile(home, { backend: 'local' });
  console.log(`Backend set to local in ${path}.`);
  const hub = await leaveHub(home);
  if (hub) console.log(leftHubLine(hub));
}

/** The choices, as the seed page lists them: every backend in the registry, then a team hub. */
export function backendChoices(): { value: Choice; label: string }[] {
  return [
    ...BACKENDS.map((b) => ({ value: b.name, label: `${b.name}: ${b.label}, ${b.description}` })),
    { value: 'hub' as const, label: 'hub: a team hub, which runs jobs with the team\'s backend and keeps its runs.' },
  ];
}

/** Asks which backend to set up and runs its setup with the same prompter. */
async function chooseAndSetUp(config: Command, ctx: CliContext): Promise<void> {
  const prompter = new Prompter();
  try {
    const current = (await readConfigFile(ctx.home)).backend;
    const choice = await prompter.choose<Choice>(`Which backend should dstack use? (now: ${current})`, backendChoices(), current);
    const setUp: Record<Choice, () => Promise<void>> = {
      local: () => useLocal(ctx.home),
      aws: async () => configAws({ region: process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || (await prompter.ask('AWS region', 'us-east-1')) }, ctx.home),
      gcp: () => configGcp({}, ctx.home, prompter),
      hub: async () => {
        const hub = config.commands.find((c) => c.name() === 'hub');
        if (hub) return void (await hub.parseAsync([], { from: 'user' }));
        console.log(`To use a team hub, run: ${HUB_COMMAND}`);
      },
    };
    await setUp[choice]();
  } finally {
    prompter.close();
  }
}

export function configCommand(ctx: CliContext): Command {
  const config: Command = new Command('config')
    .description('Set up a backend (on a terminal, asks which one), or show ~/.dstack/config.yaml.')
    .action(async () => (interactive() ? chooseAndSetUp(config, ctx) : showConfig(ctx.home)));
  config
    .command('local')
    .description('Run jobs on this machine (the default; works offline).')
    .action(() => useLocal(ctx.home));
  config.addCommand(configAwsCommand(ctx));
  config.addCommand(configGcpCommand(ctx));
  config.addCommand(configHubCommand(ctx));
  return config;
}
