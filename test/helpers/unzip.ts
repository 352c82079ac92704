/**
 * Reads a .zip with Info-ZIP's `unzip` (Debian's), an implementation
 * independent of ours: `unzip -t` checks every entry's CRC, then each
 * entry's bytes come out with `unzip -p`.
 */
import { execFileSync } from 'node:child_process';

export function unzipAll(zipPath: string): Map<string, Buffer> {
  const test = execFileSync('unzip', ['-t', zipPath], { encoding: 'utf8' });
  if (!/No errors detected/.test(test)) throw new Error(`unzip -t found errors:\n${test}`);
  const names = execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return new Map(names.map((n) => [n, execFileSync('unzip', ['-p', zipPath, n], { maxBuffer: 1 << 30 })]));
}
