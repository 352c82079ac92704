/**
 * Whole-process measurement for the bench: every tool, ours included, runs
 * as its own process, timed from spawn to exit, with its peak RSS. Peak RSS
 * comes from Debian's GNU time (`/usr/bin/time -f %M`, the kernel's maxrss at
 * exit), so nothing samples and misses a short peak; without it the figure
 * is read from /proc/<pid>/status VmHWM every 20 ms and may read low.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Measured {
  seconds: number;
  /** Peak resident set of the timed process in MB (1e6 bytes); NaN when unknown. */
  peakRssMB: number;
  stdout: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Whether peak RSS comes from GNU time (exact) or from sampling /proc. */
export const rssSource = existsSync(GNU_TIME) ? 'GNU time %M' : 'VmHWM sampled every 20 ms (install Debian\'s `time` for exact figures)';

/** Runs `command args…` to its exit; rejects with its stderr when it fails, so a failed transfer never counts as a fast one. */
export async function measure(command: string, args: string[], opts: RunOptions = {}): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-time-'));
  const rssFile = join(dir, 'rss');
  const useTime = existsSync(GNU_TIME);
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  try {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sampled = 0;
    const sampler = useTime ? undefined : setInterval(() => (sampled = Math.max(sampled, vmHwmKb(child.pid))), 20);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const seconds = (performance.now() - t0) / 1000;
    if (sampler) clearInterval(sampler);
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-2000)}`);
    const kb = useTime ? Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop()) : sampled;
    return { seconds, peakRssMB: kb > 0 ? (kb * 1024) / 1e6 : NaN, stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function vmHwmKb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The machine's 1-minute load average, sampled every 5 s while the bench runs. */
export class LoadSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;
  constructor() {
    this.samples.push(loadavg()[0] ?? 0);
    this.timer = setInterval(() => this.samples.push(loadavg()[0] ?? 0), 5000);
    this.timer.unref();
  }
  stop(): { min: number; median: number; max: number } {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0] ?? 0);
    return { min: Math.min(...this.samples), median: median(this.samples), max: Math.max(...this.samples) };
  }
}
