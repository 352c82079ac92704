/** Search over the log store by plain text (ANSI stripped), wrapping around at either end. */
import { stripAnsi } from './ansi';
import type { LogStore } from './log-store';

/** The index of the next (dir 1) or previous (dir -1) line after `from` containing `query`, or -1. */
export function findLine(store: LogStore, query: string, from: number, dir: 1 | -1): number {
  const needle = query.toLowerCase();
  const n = store.size;
  if (!needle || n === 0) return -1;
  for (let step = 1; step <= n; step++) {
    const i = (((from + dir * step) % n) + n) % n;
    const line = store.line(i);
    if (line && stripAnsi(line.text).toLowerCase().includes(needle)) return i;
  }
  return -1;
}
