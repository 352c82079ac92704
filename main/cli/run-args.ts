/**
 * How `dstack run` splits its command line, as dstack 0.7 did (argparse's
 * `parse_known_args`): an option `run` knows is dstack's wherever it stands,
 * so `dstack run hello -d` detaches; everything else after the workflow name
 * (other words, options `run` does not know) goes to the workflow as
 * `${{ run.args }}`, and so does everything after `--`, so
 * `dstack run train -- -d` passes `-d` to the workflow. Commander alone
 * either passes every option after the name through (then `-d` is an
 * argument and the README's `dstack run hello -d` follows the log forever)
 * or refuses unknown ones; neither is dstack's rule.
 */
import { Command } from 'commander';
import type { Option, ParseOptionsResult } from 'commander';

/** The command line of `run`, sorted: options for dstack, the workflow name, and the workflow's own arguments. */
export interface RunArgv {
  dstack: string[];
  workflow?: string;
  args: string[];
}

const HELP = ['-h', '--help'];

/** The option `token` names (`-d`, `--tag`, `--tag=v1`, `-tv1`), and whether its value is the next token. */
function known(options: readonly Option[], token: string): { takesNext: boolean } | undefined {
  const exact = options.find((o) => o.short === token || o.long === token);
  if (exact) return { takesNext: exact.required || exact.optional };
  const eq = token.indexOf('=');
  if (token.startsWith('--') && eq > 0) {
    const long = options.find((o) => o.long === token.slice(0, eq));
    if (long && (long.required || long.optional)) return { takesNext: false };
  }
  if (/^-[^-]./.test(token)) {
    const short = options.find((o) => o.short === token.slice(0, 2));
    if (short && (short.required || short.optional)) return { takesNext: false };
  }
  return undefined;
}

/** Splits `argv` (what follows `run`) by dstack 0.7's rule; see the module comment. */
export function splitRunArgv(options: readonly Option[], argv: readonly string[]): RunArgv {
  const out: RunArgv = { dstack: [], args: [] };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      const rest = argv.slice(i + 1);
      if (out.workflow === undefined && rest.length) out.workflow = rest.shift();
      out.args.push(...rest);
      break;
    }
    const option = token.length > 1 && token.startsWith('-') ? known(options, token) : undefined;
    if (option || HELP.includes(token)) {
      out.dstack.push(token);
      if (option?.takesNext && i + 1 < argv.length) out.dstack.push(argv[++i]!);
    } else if (out.workflow !== undefined) {
      out.args.push(token);
    } else if (token.startsWith('-') && token.length > 1) {
      // An unknown option before the name: left to commander, which says "unknown option".
      out.dstack.push(token);
    } else {
      out.workflow = token;
    }
  }
  return out;
}

/** A Command whose options are parsed by {@link splitRunArgv}: the workflow name, then its arguments, are the operands. */
export class RunArgsCommand extends Command {
  override parseOptions(argv: string[]): ParseOptionsResult {
    const split = splitRunArgv(this.options, argv);
    if (split.workflow === undefined) return super.parseOptions(argv);
    const parsed = super.parseOptions(split.dstack);
    return { operands: [split.workflow, ...parsed.operands, ...split.args], unknown: parsed.unknown };
  }
}
