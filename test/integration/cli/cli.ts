// Drives the real `dstack` bin as a subprocess, with DSTACK_HOME in a temp
// folder, in a copy of examples/hello plus a few test workflows.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { endRunners } from '../../helpers/runners';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'main', 'cli', 'dstack.js');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Live {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `text` appears on stdout. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<Result>;
}

export class Cli {
  constructor(
    readonly cwd: string,
    readonly env: Record<string, string>,
  ) {}

  spawn(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Live {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: this.cwd,
      env: { ...process.env, ...this.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const listeners: (() => void)[] = [];
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      for (const l of listeners) l();
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(opts.input ?? '');
    const exited = new Promise<Result>((done) => child.on('close', (code) => done({ code, stdout: out, stderr: err })));
    const waitFor = (text: string, timeoutMs = 60_000) =>
      new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`"${text}" never appeared; stdout: ${out} stderr: ${err}`)), timeoutMs);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(timer);
            ok();
          }
        };
        listeners.push(check);
        check();
      });
    return { child, stdout: () => out, stderr: () => err, waitFor, exited };
  }

  run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
    return this.spawn(args, opts).exited;
  }

  /** Runs a command that must succeed and returns its stdout. */
  async ok(args: string[], opts: { input?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`dstack ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }
}

/** A copy of examples/hello with `extra` as another workflows file, and a fresh DSTACK_HOME. */
export async function helloProject(extra: string): Promise<{ cli: Cli; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-cli-'));
  const project = join(dir, 'hello');
  await cp(join(ROOT, 'examples', 'hello'), project, { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'cli-test.yaml'), extra);
  const cli = new Cli(project, { DSTACK_HOME: join(dir, 'home'), DSTACK_STOP_GRACE_MS: '2000' });
  const cleanup = async () => {
    await endRunners(join(dir, 'home'));
    await rm(dir, { recursive: true, force: true });
  };
  return { cli, dir, cleanup };
}

/** The last line of a `dstack run` stderr names the run: "Run NAME STATUS…". */
export function runNameIn(stderr: string): string {
  const m = /Run ([a-z]+-[a-z]+-\d+) /.exec(stderr);
  if (!m?.[1]) throw new Error(`no run name in: ${stderr}`);
  return m[1];
}
