/**
 * The `dstack` CLI: everything the app does, on the same core, for scripts
 * and CI. Each command lives in `commands/` and is loaded only when it runs
 * (see {@link COMMANDS}), so a command starts without the modules of every
 * other one. Any failure prints one line on stderr (a workflow error lists
 * its issues, one per line) and exits non-zero; never a stack trace.
 * `dstack runner …` runs the job runner in this process, so a machine with
 * the CLI installed can run jobs.
 */
import { nodeSupportNote } from '../node/sdk-warning';
import { Command, CommanderError } from 'commander';
import { appVersion } from '../server/cli-command';
import { CliContext } from './context';
import { errorText } from './output';

/**
 * Every command, by name, and how to build it. Each module is imported only
 * when its command runs (or for a help listing every command), so `dstack ps`
 * never loads what `dstack run` or `dstack server` need, and the bundler emits
 * each as its own chunk. Adding a command adds one line here.
 */
const COMMANDS: Record<string, (ctx: CliContext) => Promise<Command>> = {
  init: async () => (await import('./commands/init')).initCommand(),
  config: async (ctx) => (await import('./commands/config')).configCommand(ctx),
  run: async (ctx) => (await import('./commands/run')).runCommand(ctx),
  ps: async (ctx) => (await import('./commands/ps')).psCommand(ctx),
  logs: async (ctx) => (await import('./commands/logs')).logsCommand(ctx),
  stop: async (ctx) => (await import('./commands/stop')).stopCommand(ctx),
  rm: async (ctx) => (await import('./commands/rm')).rmCommand(ctx),
  ls: async (ctx) => (await import('./commands/ls')).lsCommand(ctx),
  cp: async (ctx) => (await import('./commands/cp')).cpCommand(ctx),
  tags: async (ctx) => (await import('./commands/tags')).tagsCommand(ctx),
  secrets: async (ctx) => (await import('./commands/secrets')).secretsCommand(ctx),
  server: async () => {
    const { lazyHubLink } = await import('../service/hub-link');
    return (await import('../server/cli-command')).serverCommand({ hubLink: lazyHubLink(async () => (await import('./hub-link')).cliHubLink()) });
  },
  hub: async () => (await import('./commands/hub')).hubCommand(),
};

/**
 * The commands `argv` needs: the one it names (`dstack run …`, `dstack help
 * run`), or all of them when it names none or an unknown one, so the help
 * lists every command and a typo gets a suggestion. The program's own
 * options (-v, -h) take no value, so the first word is the command; with
 * none, `--version` needs no command at all.
 */
function commandsFor(argv: readonly string[]): string[] {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  if (name !== undefined && Object.hasOwn(COMMANDS, name)) return [name];
  if (name === undefined && argv.some((a) => a === '-v' || a === '--version')) return [];
  return Object.keys(COMMANDS);
}

/** The program with the commands `argv` needs. Commander's own errors (unknown command or option) print their first line only. */
async function buildProgram(ctx: CliContext, argv: readonly string[]): Promise<Command> {
  const program = new Command('dstack')
    .description('Run ML and data workflows on this machine or your AWS account.')
    .version([appVersion(), nodeSupportNote()].filter(Boolean).join('\n'), '-v, --version', 'print the version (and what to know about this Node)')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.trim().split('\n')[0] + '\n') });
  const commands = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!(ctx)));
  for (const c of commands) program.addCommand(c.exitOverride());
  program.command('runner', { hidden: true }).description('Run one job (started by a backend, not by hand).');
  return program;
}

/** Runs the CLI on `argv` (without node and script) and resolves with the exit code. */
async function main(argv: string[]): Promise<number> {
  // Loaded only here: the runner's modules would slow every other command's start.
  if (argv[0] === 'runner') {
    try {
      return await (await import('../runner/main')).runnerMain(argv.slice(1));
    } catch (err) {
      process.stderr.write(`dstack runner: ${errorText(err)}\n`);
      return 1;
    }
  }
  const ctx = new CliContext();
  try {
    await (await buildProgram(ctx, argv)).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`${errorText(err)}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

/**
 * A reader that stops early (`dstack logs RUN | head`) closes the pipe: stop
 * quietly with status 0, as git and ls do, instead of dying on EPIPE with a
 * stack trace. Any other failure to write output gets one line and status 1.
 */
function quietOnClosedOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`dstack: cannot write the output (${err.code ?? err.message}).\n`);
    process.exit(1);
  });
  process.stderr.on('error', () => process.exit(process.exitCode ?? 1));
}

quietOnClosedOutput();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${errorText(err)}\n`);
    process.exit(1);
  },
);
