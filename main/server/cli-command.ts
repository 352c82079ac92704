/**
 * `dstack server [--host 127.0.0.1] [--port N] [--no-open]`: the app's UI
 * in a browser, for machines without a display stack for Electron and for
 * the browser tests. It prints the URL with its token (as Jupyter does),
 * opens it unless told not to, and serves until interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../common/errors';
import { dstackHome } from '../node/home';
import { sourceRoot } from '../node/launch';

/** The app version from package.json, which sits at the root both from source and when bundled. */
export function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(sourceRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Opens a URL in the default browser; a failure only means the user opens it by hand. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
  } catch {
    // No opener on this machine: the printed URL is enough.
  }
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`Invalid port "${v}".`, 'Use a number from 1 to 65535, or 0 for any free port.');
  return n;
}

interface ServerFlags {
  host: string;
  port: number;
  open: boolean;
}

/** Registers `server` on the CLI program; the action resolves only when the server has stopped. */
export function registerServerCommand(program: Command): Command {
  return program
    .command('server')
    .description('Serve the app in a browser: the same UI and API as the desktop app.')
    .option('--host <host>', 'address to bind; keep 127.0.0.1 unless you know why', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8732)
    .option('--no-open', 'do not open a browser')
    .action(async (flags: ServerFlags) => {
      const rendererDir = join(sourceRoot, 'out', 'renderer');
      if (!existsSync(join(rendererDir, 'index.html'))) {
        console.error(`The UI is not built (no ${rendererDir}); the API works, but run \`npm run build\` to get the pages.`);
      }
      // Loaded on demand: the server's modules would slow every other command's start.
      const { startServer } = await import('./server');
      const server = await startServer({ home: dstackHome(), version: appVersion(), rendererDir, host: flags.host, port: flags.port });
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost') {
        console.error(`Listening on ${flags.host}: anyone who can reach it and has the token can run jobs as you.`);
      }
      console.log(`dstack server is running. Open this URL in a browser:\n\n    ${server.url}\n`);
      if (flags.open) openBrowser(server.url);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
