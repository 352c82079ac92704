/**
 * Terminal output helpers: aligned tables and short relative times, as
 * dstack prints them, plus the one-line error format every failure uses.
 */
import type { LogEvent } from '../core/backend';
import { toDstackError } from '../common/errors';
import { printable } from '../common/printable';

/**
 * Left-aligned columns separated by two spaces; the last column is not
 * padded. Cells are escaped (common/printable.ts): run names, tags and
 * reasons may hold terminal escapes. Widths are kept as rows go by, since a
 * listing may have more rows than Math.max takes arguments.
 */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((r) => r.map(printable));
  const widths = header.map(() => 0);
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function ago(time: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - time) / 1000));
  if (s < 60) return `${s} sec ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} hours ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** The text printed for any failure: one line, except a workflow error lists its issues one per line. */
export function errorText(err: unknown): string {
  const e = toDstackError(err);
  if (e.code === 'invalid_workflow') return e.message;
  return e.toLine().replace(/\s*\n\s*/g, ' ');
}

/**
 * Prints log events in order: the job's stdout to stdout, its stderr and the
 * runner's own lines to stderr, so `dstack run wf > out.txt` keeps only the
 * job's output.
 */
export function printEvents(events: LogEvent[], opts: { timestamps?: boolean } = {}): void {
  let chunk = '';
  let toStdout = true;
  const flush = (): void => {
    if (chunk) (toStdout ? process.stdout : process.stderr).write(chunk);
    chunk = '';
  };
  for (const e of events) {
    const isOut = e.stream === 'stdout';
    if (isOut !== toStdout) flush();
    toStdout = isOut;
    const prefix = opts.timestamps ? `${new Date(e.time).toISOString()} ` : '';
    chunk += `${prefix}${e.stream === 'system' ? `[dstack] ${e.text}` : e.text}\n`;
  }
  flush();
}
