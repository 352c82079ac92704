// The real `dstack` CLI (from source, under tsx) as a member of a team hub
// runs it: its own DSTACK_HOME, an empty working folder (no dstack project:
// everything comes from the hub), the token in the OS keychain
// (test/with-keyring.sh).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'main', 'cli', 'main.ts');
// By URL: the member's working folder is outside the repo, where a bare `tsx` would not resolve.
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LiveCli {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  exited: Promise<CliResult>;
}

export class MemberCli {
  constructor(
    readonly cwd: string,
    readonly home: string,
    /** The environment the CLI starts from (DSTACK_HOME is set on top); default this process's. */
    readonly env?: NodeJS.ProcessEnv,
  ) {}

  spawn(args: string[], input = ''): LiveCli {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: this.cwd,
      env: { ...(this.env ?? process.env), DSTACK_HOME: this.home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input);
    const exited = new Promise<CliResult>((done) => child.on('close', (code) => done({ code, stdout, stderr })));
    return { child, output: () => ({ stdout, stderr }), exited };
  }

  run(args: string[], input = ''): Promise<CliResult> {
    return this.spawn(args, input).exited;
  }

  /** Runs a command that must succeed and returns its stdout. */
  async ok(args: string[], input = ''): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw new Error(`dstack ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }
}
