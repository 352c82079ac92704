/**
 * `dstack server [--host 127.0.0.1] [--port N] [--no-open]`: the app's UI
 * in a browser, for machines without a display stack for Electron and for
 * the browser tests. It prints the URL with its token (as Jupyter does),
 * opens it unless told not to (through a private redirect page, so the
 * token never sits in an opener's argv), and serves until interrupted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { InvalidArgumentError, toDstackError } from '../common/errors';
import type { HubLink } from '../service/hub-link';
import { dstackHome } from '../node/home';
import { sourceRoot } from '../node/launch';
import { openInBrowser, removeOpenPage, writeOpenPage } from './open-page';

/** The app version from package.json, which sits at the root both from source and when bundled. */
export function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(sourceRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
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

/** Registers `server` on the CLI program (see {@link serverCommand}). */
export function registerServerCommand(program: Command): Command {
  const server = serverCommand();
  program.addCommand(server);
  return server;
}

/** The `server` command; its action resolves only when the server has stopped. `hubLink` is the CLI's hub client, for the wizard's team hub. */
export function serverCommand(deps: { hubLink?: HubLink } = {}): Command {
  return new Command('server')
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
      const home = dstackHome();
      const server = await startServer({ home, version: appVersion(), rendererDir, host: flags.host, port: flags.port, ...(deps.hubLink ? { hubLink: deps.hubLink } : {}) });
      if (flags.host !== '127.0.0.1' && flags.host !== 'localhost') {
        console.error(`Listening on ${flags.host}: anyone who can reach it and has the token can run jobs as you.`);
      }
      console.log(`dstack server is running. Open this URL in a browser:\n\n    ${server.url}\n`);
      // The browser opens a private file that redirects to the URL: an opener's argv is readable by every local user.
      const page = flags.open
        ? await writeOpenPage(home, server.port, server.url).catch((err: unknown) => {
            console.error(`Not opening a browser: ${toDstackError(err).toLine()}`);
            return undefined;
          })
        : undefined;
      if (page) openInBrowser(page);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      if (page) await removeOpenPage(page);
    });
}
