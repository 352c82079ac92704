// `dstack server` as its own process, started the way a user starts it (the
// `dstack` bin), so a request that kills it shows as a dead process, and raw
// requests over a socket that a fetch() would refuse to send.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'main', 'cli', 'dstack.js');

export interface ServerProcess {
  child: ChildProcess;
  home: string;
  url: string;
  port: number;
  token: string;
  output(): string;
  /** Throws, naming the exit code and the server's output, unless an authenticated call answers. */
  assertServes(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `dstack server --port 0` with a fresh DSTACK_HOME and waits (with a deadline) for its URL. */
export async function startServerProcess(opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const home = await mkdtemp(join(tmpdir(), 'dstack-srvproc-'));
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', ...(opts.args ?? ['--no-open'])], {
    env: { ...process.env, DSTACK_HOME: home, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let exit: string | undefined;
  const exited = new Promise<void>((done) => child.on('exit', (code, signal) => ((exit = `exit code ${code}, signal ${signal}`), done())));
  const deadline = Date.now() + 60_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})/.exec(out))) {
    if (exit || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dstack server printed no URL (${exit ?? 'still running after 60 s'}); output: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const [url, port, token] = [m[0], Number(m[1]), m[2]!];
  return {
    child,
    home,
    url,
    port,
    token,
    output: () => out,
    async assertServes() {
      const died = (why: string) => new Error(`dstack server no longer serves (${why}; ${exit ?? 'process still running'}); its output:\n${out.slice(-3000)}`);
      if (exit) throw died('the process is gone');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/app.info`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: '{}',
        });
        const body = (await res.json()) as { result?: { transport?: string } };
        if (body.result?.transport !== 'http') throw died(`app.info answered ${res.status} ${JSON.stringify(body)}`);
      } catch (err) {
        throw died(`app.info failed: ${(err as Error).message}`);
      }
    },
    async stop() {
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Sends `request` as raw bytes and resolves with the status line the server
 * answered, or with what happened instead ("closed with no answer", "no
 * answer within 20 s"), so a failed assertion shows it.
 */
export function rawStatusLine(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolveLine) => {
    const socket = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const finish = (line: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolveLine(line);
    };
    const timer = setTimeout(() => finish(`no answer within 20 s; got ${JSON.stringify(got.toString('latin1'))}`), 20_000);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const eol = got.indexOf('\r\n');
      if (eol >= 0) finish(got.subarray(0, eol).toString('latin1'));
    });
    socket.on('error', (err) => finish(`socket error ${err.message} with no answer; got ${JSON.stringify(got.toString('latin1'))}`));
    socket.on('close', () => finish(`closed with no answer; got ${JSON.stringify(got.toString('latin1'))}`));
  });
}
