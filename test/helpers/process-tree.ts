/**
 * A process and everything it started, read from /proc (Linux), so a test
 * that kills a runner can also end the job it leaves behind. A killed
 * runner's job keeps running on its own (it is reparented), and a test must
 * not leave it to spin after the test is over.
 */
import { readdir, readFile } from 'node:fs/promises';

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
}

async function procs(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised name: state, ppid, pgrp, ...
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest.length > 2) out.push({ pid: Number(name), ppid: Number(rest[1]), pgid: Number(rest[2]) });
  }
  return out;
}

/** The process groups of `pid` and its descendants, except this test's own. */
export async function descendantGroups(pid: number): Promise<number[]> {
  const all = await procs();
  const found = new Set<number>([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (found.has(p.ppid) && !found.has(p.pid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  const own = all.find((p) => p.pid === process.pid)?.pgid;
  const groups = all.filter((p) => found.has(p.pid)).map((p) => p.pgid);
  return [...new Set(groups)].filter((g) => g > 1 && g !== own);
}

/** SIGKILLs whole process groups; one already gone is fine. */
export function killGroups(groups: number[]): void {
  for (const g of groups) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
