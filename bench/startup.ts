/**
 * Start-up of the `dstack` bin as users run it (`node main/cli/dstack.js`),
 * each figure paired rep by rep with a bare Node doing the least the same
 * job needs, so the ratio holds on a loaded machine:
 * - `dstack --help` and `dstack ps` (a local project with a few finished
 *   runs, as a user has) to exit, against `node -e 0`;
 * - `dstack server --port 0 --no-open` to its URL printed, against a
 *   `node -e` HTTP server printing its URL.
 * `dstack run` → first log line is in run-latency.ts.
 * On a loaded machine wall time mostly measures the queue for a core, so
 * `--help` and `ps` are also compared by CPU time (user + sys, GNU time).
 *
 * Run alone: `node --import tsx bench/startup.ts [--reps N]`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { measure } from './proc';
import { markdownTable, pairedRow, type Row } from './table';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
export const BIN = join(ROOT, 'main', 'cli', 'dstack.js');
/** Finished runs in the project `ps` lists. */
const RUNS_FOR_PS = 3;
const NODE_SERVER = "require('http').createServer((q,s)=>s.end()).listen(0,'127.0.0.1',function(){console.log('http://127.0.0.1:'+this.address().port+'/')})";

interface UntilLine {
  ms: number;
  /** VmHWM of the process when the line came, MB. */
  rssMB: number;
}

/** Spawns a long-running program, times it to the first stdout line matching `re`, then ends it. */
export function untilLine(command: string, args: string[], re: RegExp, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<UntilLine> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`${command} ${args.join(' ')} printed no line matching ${re} in 60 s; stdout: ${out.slice(-500)} stderr: ${err.slice(-500)}`)), 60_000);
    function finish(e: Error | undefined, r?: UntilLine): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.once('close', () => (e ? fail(e) : done(r!)));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      else child.emit('close');
    }
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (settled || !re.test(out)) return;
      const ms = performance.now() - t0;
      let kb = NaN;
      try {
        kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      } catch {
        // Gone already: the figure stays unknown.
      }
      finish(undefined, { ms, rssMB: (kb * 1024) / 1e6 });
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => !settled && finish(new Error(`${command} ${args.join(' ')} exited ${code} before printing ${re}: ${err.slice(-1000)}`)));
  });
}

/**
 * The bin runs the compiled CLI in out/main; builds it once when it is missing
 * and says which build is measured, so a stale build is not taken for the source.
 */
export function ensureBuilt(): string {
  const cli = join(ROOT, 'out', 'main', 'cli.js');
  if (!existsSync(cli)) {
    console.log('out/main/cli.js is missing: running `npm run build` first (not timed).');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return `measuring out/main/cli.js built ${statSync(cli).mtime.toISOString()}`;
}

/** CPU seconds (user + sys) of one run of `node args…`, from GNU time; NaN without it. */
async function cpuSeconds(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<number> {
  if (!existsSync('/usr/bin/time')) return NaN;
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-cpu-'));
  try {
    await measure('/usr/bin/time', ['-f', '%U %S', '-o', join(dir, 'cpu'), process.execPath, ...args], opts);
    const [user, sys] = (await readFile(join(dir, 'cpu'), 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
    return (user as number) + (sys as number);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchStartup(opts: { reps?: number } = {}): Promise<Row[]> {
  console.log(ensureBuilt());
  const reps = Math.max(1, opts.reps ?? 7);
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-start-'));
  const project = join(dir, 'hello');
  await cp(join(ROOT, 'examples', 'hello'), project, { recursive: true });
  const env = { ...process.env, DSTACK_HOME: join(dir, 'home') };
  const node = process.execPath;
  await writeFile(join(project, '.dstack', 'workflows', 'quick.yaml'), 'workflows:\n  - name: quick\n    provider: bash\n    commands:\n      - echo hi\n');
  // `ps` reads each run's record: the project has the few finished runs a user's usually has (not timed).
  for (let i = 0; i < RUNS_FOR_PS; i++) execFileSync(node, [BIN, 'run', 'quick'], { cwd: project, env, stdio: 'ignore' });
  const help = { ours: [] as number[], ref: [] as number[], rssOurs: [] as number[], rssRef: [] as number[] };
  const ps = { ours: [] as number[], ref: [] as number[], rssOurs: [] as number[], rssRef: [] as number[] };
  const server = { ours: [] as number[], ref: [] as number[], rssOurs: [] as number[], rssRef: [] as number[] };
  const cpu = { help: [] as number[], ps: [] as number[], ref: [] as number[] };
  try {
    for (let i = 0; i < reps; i++) {
      // Alternate which side goes first, so neither always runs on a warmer cache.
      const pair = async (s: typeof help, ours: () => Promise<{ ms: number; rss: number }>, ref: () => Promise<{ ms: number; rss: number }>) => {
        let a: { ms: number; rss: number };
        let b: { ms: number; rss: number };
        if (i % 2) {
          b = await ref();
          a = await ours();
        } else {
          a = await ours();
          b = await ref();
        }
        s.ours.push(a.ms);
        s.rssOurs.push(a.rss);
        s.ref.push(b.ms);
        s.rssRef.push(b.rss);
      };
      const proc = async (args: string[], cwd?: string) => {
        const m = await measure(node, args, { env, cwd });
        return { ms: m.seconds * 1000, rss: m.peakRssMB };
      };
      await pair(help, () => proc([BIN, '--help']), () => proc(['-e', '0']));
      await pair(ps, () => proc([BIN, 'ps'], project), () => proc(['-e', '0']));
      cpu.ref.push(await cpuSeconds(['-e', '0'], { env }));
      cpu.help.push(await cpuSeconds([BIN, '--help'], { env }));
      cpu.ps.push(await cpuSeconds([BIN, 'ps'], { env, cwd: project }));
      await pair(
        server,
        async () => {
          const r = await untilLine(node, [BIN, 'server', '--port', '0', '--no-open'], /http:\/\/\S+/, { env });
          return { ms: r.ms, rss: r.rssMB };
        },
        async () => {
          const r = await untilLine(node, ['-e', NODE_SERVER], /http:\/\/\S+/);
          return { ms: r.ms, rss: r.rssMB };
        },
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  const fmtCpu = (s: number) => `${(s * 1000).toFixed(0)} ms CPU`;
  const rss = (s: typeof help) => ({ ours: s.rssOurs, ref: s.rssRef });
  const withCpu = Number.isNaN(cpu.ref[0]) ? [] : [
    pairedRow('`dstack --help` CPU time (user + sys)', 'node -e 0', cpu.help, cpu.ref, fmtCpu),
    pairedRow('`dstack ps` CPU time (user + sys)', 'node -e 0', cpu.ps, cpu.ref, fmtCpu),
  ];
  return [
    pairedRow('`dstack --help` to exit', 'node -e 0', help.ours, help.ref, fmt, rss(help)),
    pairedRow(`\`dstack ps\` to exit (local, ${RUNS_FOR_PS} runs)`, 'node -e 0', ps.ours, ps.ref, fmt, rss(ps)),
    ...withCpu,
    pairedRow('`dstack server` → URL printed', 'node -e http server → URL', server.ours, server.ref, fmt, rss(server)),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--reps');
  console.log(markdownTable(await benchStartup({ reps: i > 0 ? Number(process.argv[i + 1]) : undefined })));
}
