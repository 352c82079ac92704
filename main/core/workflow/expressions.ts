/**
 * `${{ ... }}` expressions, as in dstack: `run.name`, `run.args` and
 * `secrets.NAME`. They are checked when the file is read, so a typo is
 * reported with its line instead of reaching the job as literal text. `run.*`
 * is substituted when a job is built; `secrets.*` only by the runner, so a
 * secret value is never stored in a job record.
 */
import { NotFoundError } from '../../common/errors';
import { closest } from './suggest';

const EXPR_RE = /\$\{\{(.*?)\}\}/gs;
const SECRET_RE = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/;
const RUN_EXPRS = ['run.name', 'run.args'] as const;

/** A bad expression: `raw` is its text as written, to point at it and quote it. */
export interface ExpressionProblem {
  raw: string;
  message: string;
}

export interface ExpressionScan {
  secretNames: string[];
  problems: ExpressionProblem[];
}

function unknownExpression(raw: string, inner: string): string {
  const dot = inner.indexOf('.');
  if (dot > 0 && closest(inner.slice(0, dot), ['secrets']) === 'secrets') {
    const name = inner.slice(dot + 1);
    if (inner.startsWith('secrets.')) {
      return `"${raw}" has an invalid secret name; use letters, digits and _, e.g. \${{ secrets.API_KEY }}.`;
    }
    return `"${raw}" is not a known expression; did you mean \${{ secrets.${name} }}?`;
  }
  const guess = closest(inner, RUN_EXPRS);
  if (guess) return `"${raw}" is not a known expression; did you mean \${{ ${guess} }}?`;
  return `"${raw}" is not a known expression; use \${{ run.name }}, \${{ run.args }} or \${{ secrets.NAME }}.`;
}

/** Finds every expression in `text`, the secrets it names, and what is wrong with the rest. */
export function scanExpressions(text: string): ExpressionScan {
  const secretNames: string[] = [];
  const problems: ExpressionProblem[] = [];
  let scannedTo = 0;
  for (const m of text.matchAll(EXPR_RE)) {
    const inner = m[1]!.trim();
    const secret = SECRET_RE.exec(inner);
    if (secret) {
      if (!secretNames.includes(secret[1]!)) secretNames.push(secret[1]!);
    } else if (!(RUN_EXPRS as readonly string[]).includes(inner)) {
      problems.push({ raw: m[0], message: unknownExpression(m[0], inner) });
    }
    scannedTo = m.index + m[0].length;
  }
  const open = text.indexOf('${{', scannedTo);
  if (open >= 0) {
    const raw = text.slice(open).split('\n')[0]!;
    problems.push({ raw, message: `"${raw}" is missing its closing "}}"; write it as \${{ run.name }}.` });
  }
  return { secretNames, problems };
}

/** Replaces each expression for which `value` returns a string; leaves the others as written. */
function replaceExpressions(text: string, value: (inner: string) => string | undefined): string {
  return text.replace(EXPR_RE, (whole, inner: string) => value(inner.trim()) ?? whole);
}

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one argument for a POSIX shell when it needs it. A `${{` inside an
 * argument is split (`$''{{`) so that the text no longer reads as an
 * expression: otherwise `dstack run wf '${{ secrets.X }}'` would have the
 * runner substitute a secret into the command.
 */
export function shellQuote(arg: string): string {
  if (SAFE_ARG.test(arg)) return arg;
  // Replacement functions, not strings: in a replacement string `$'` means "the text after the match".
  return `'${arg.replace(/'/g, () => `'\\''`).replace(/\$\{\{/g, () => `$''{{`)}'`;
}

/** Substitutes `${{ run.name }}` and `${{ run.args }}` (args shell-quoted, joined by spaces). */
export function interpolateRun(text: string, run: { name: string; args: string[] }): string {
  const args = run.args.map(shellQuote).join(' ');
  return replaceExpressions(text, (inner) => (inner === 'run.name' ? run.name : inner === 'run.args' ? args : undefined));
}

/**
 * Substitutes `${{ secrets.NAME }}` with the secret's value. The runner calls
 * this just before it starts the job, with the values it fetched for the
 * job's `secretNames`. A secret without a value is an error: running with an
 * empty string in its place would fail later and more obscurely.
 */
export function interpolateSecrets(text: string, values: Record<string, string>): string {
  return replaceExpressions(text, (inner) => {
    const m = SECRET_RE.exec(inner);
    if (!m) return undefined;
    const name = m[1]!;
    if (!Object.hasOwn(values, name)) {
      throw new NotFoundError(`The workflow uses the secret ${name}, but it is not set.`, `Add it with: dstack secrets add ${name}`);
    }
    return values[name]!;
  });
}
