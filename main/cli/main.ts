/**
 * The `dstack` CLI: everything the app does, on the same core, for scripts
 * and CI. Each command lives in `commands/`. Any failure prints one line on
 * stderr (a workflow error lists its issues, one per line) and exits
 * non-zero; never a stack trace. `dstack runner …` runs the job runner in
 * this process, so a machine with the CLI installed can run jobs.
 */
import { nodeSupportNote } from '../node/sdk-warning';
import { Command, CommanderError } from 'commander';
import { configCommand } from './commands/config';
import { cpCommand } from './commands/cp';
import { initCommand } from './commands/init';
import { logsCommand } from './commands/logs';
import { lsCommand } from './commands/ls';
import { psCommand } from './commands/ps';
import { rmCommand } from './commands/rm';
import { runCommand } from './commands/run';
import { secretsCommand } from './commands/secrets';
import { stopCommand } from './commands/stop';
import { tagsCommand } from './commands/tags';
import { appVersion, registerServerCommand } from '../server/cli-command';
import { CliContext } from './context';
import { errorText } from './output';

/** The program with every command. Commander's own errors (unknown command or option) print their first line only. */
function buildProgram(ctx: CliContext): Command {
  const program = new Command('dstack')
    .description('Run ML and data workflows on this machine or your AWS account.')
    .version([appVersion(), nodeSupportNote()].filter(Boolean).join('\n'), '-v, --version', 'print the version (and what to know about this Node)')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.trim().split('\n')[0] + '\n') });
  for (const c of [
    initCommand(),
    configCommand(ctx),
    runCommand(ctx),
    psCommand(ctx),
    logsCommand(ctx),
    stopCommand(ctx),
    rmCommand(ctx),
    lsCommand(ctx),
    cpCommand(ctx),
    tagsCommand(ctx),
    secretsCommand(ctx),
  ]) {
    program.addCommand(c.exitOverride());
  }
  registerServerCommand(program).exitOverride();
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
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
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
