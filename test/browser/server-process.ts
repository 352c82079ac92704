/**
 * Runs test/browser/serve.ts as a child process and resolves with the URL it
 * prints. Shared by the Playwright global setup and the bench, which both
 * need a real `dstack server` with a throwaway DSTACK_HOME.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './build-renderer';

export interface ServerProcess {
  url: string;
  origin: string;
  home: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** `script` is serve.ts, or serve-aws.ts for the AWS wizard with its stand-ins. */
export function startServerProcess(env: Record<string, string> = {}, script = 'serve.ts', home = mkdtempSync(join(tmpdir(), 'dstack-ui-'))): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/browser', script)], {
    cwd: ROOT,
    env: { ...process.env, ...env, DSTACK_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dstack server did not start: ${out}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`dstack server exited (${code}): ${out}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /DSTACK_URL (\S+)/.exec(out);
      if (!m?.[1]) return;
      clearTimeout(timer);
      const url = m[1];
      resolve({
        url,
        origin: new URL(url).origin,
        home,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
