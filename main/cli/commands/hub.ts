/**
 * `dstack hub`: the team hub (README "Team hub"). It binds 127.0.0.1 unless
 * given `--host`; on any other address it serves HTTPS with `--tls-cert`
 * and `--tls-key`, or says loudly that a TLS reverse proxy must front it,
 * since tokens would otherwise cross the network in clear. On its first
 * start it creates the admin and prints the admin token, once: the store
 * keeps only its hash.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InvalidArgumentError } from '../../common/errors';
import { dstackHome } from '../../node/home';
import { appVersion } from '../../server/cli-command';

/** The port `dstack hub` listens on by default: next to `dstack server`'s 8732. */
export const HUB_PORT = 8733;

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`Invalid port "${v}".`, 'Use a number from 1 to 65535, or 0 for any free port.');
  return n;
}

interface HubFlags {
  host: string;
  port: number;
  allowedHost: string[];
  tlsCert?: string;
  tlsKey?: string;
  database?: string;
  maxCodeMb?: number;
}

function parseMegabytes(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1) throw new InvalidArgumentError(`Invalid size "${v}".`, 'Give a whole number of megabytes, 1 or more.');
  return n;
}

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(resolve(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(`Cannot read ${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code)}.`, `Give ${flag} a PEM file the hub can read.`);
  }
}

/**
 * Every local user can read a process's argv (`ps`), so a database
 * password given on the command line would be theirs too: refused, with the
 * two places it can go instead (libpq's PGPASSWORD, which pg reads, or the
 * URL whole in the environment).
 */
function refusePasswordInArgv(database: string | undefined): void {
  let password = '';
  try {
    password = database ? new URL(database).password : '';
  } catch {
    // Not a URL: openHubStore names what is wrong with it.
  }
  if (password) {
    throw new InvalidArgumentError(
      'The --database URL holds a password, which every user of this machine could read in `ps`.',
      'Leave it out of the URL and set PGPASSWORD, or put the whole URL in DSTACK_HUB_DATABASE instead of --database.',
    );
  }
}

/** Starts the hub with these flags and resolves with a function that stops it; what it prints goes to `log`. */
export async function startHubFromFlags(flags: HubFlags, log: (line: string) => void, warn: (line: string) => void): Promise<() => Promise<void>> {
  const { isLoopback, parseAllowedHost } = await import('../../hub/server/network');
  if (!!flags.tlsCert !== !!flags.tlsKey) throw new InvalidArgumentError('--tls-cert and --tls-key go together.', 'Give both, the certificate and its private key (PEM files).');
  const allowedHosts = flags.allowedHost.map(parseAllowedHost);
  const tls = flags.tlsCert && flags.tlsKey ? { cert: await readPem(flags.tlsCert, '--tls-cert'), key: await readPem(flags.tlsKey, '--tls-key') } : undefined;
  if (!tls && !isLoopback(flags.host)) {
    warn(
      `WARNING: serving plain HTTP on ${flags.host}: tokens and project credentials would cross the network in clear. ` +
        'Put a TLS reverse proxy (Caddy, nginx) in front of it and let clients reach only that, or pass --tls-cert and --tls-key.',
    );
  }
  // Loaded on demand: the hub's modules (and the database drivers) would slow every other command's start.
  const { openHubStore } = await import('../../hub/sql-store');
  const { startHub } = await import('../../hub/server/hub-server');
  const home = dstackHome();
  const store = await openHubStore({ home, ...(flags.database ? { database: flags.database } : {}) });
  try {
    const hub = await startHub({ store, home, version: appVersion(), host: flags.host, port: flags.port, allowedHosts, ...(tls ? { tls } : {}), ...(flags.maxCodeMb ? { maxCodeBytes: flags.maxCodeMb * 1024 * 1024 } : {}) });
    const admin = await store.bootstrapAdmin('admin');
    log(`dstack hub is running at ${hub.url}`);
    if (admin) {
      log(`\nThe admin token (shown only this once; the hub keeps only its hash):\n\n    ${admin.token}\n`);
      log(`Connect with: dstack config hub --url ${hub.url} --project NAME`);
    }
    return async () => {
      await hub.close();
      await store.close();
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export function hubCommand(): Command {
  return new Command('hub')
    .description('Run a team hub: projects with shared backends, users with tokens, roles (see README "Team hub").')
    .option('--host <address>', 'address to bind; anything but loopback needs TLS here or in a proxy in front', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, HUB_PORT)
    .addOption(new Option('--allowed-host <name>', 'a host name clients reach the hub by (repeatable)').argParser((v: string, prev: string[]) => [...prev, v]).default([]))
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the certificate\'s PEM private key')
    .addOption(new Option('--database <url>', 'postgresql://… for several hub processes (password in PGPASSWORD, or the whole URL in DSTACK_HUB_DATABASE); default SQLite under DSTACK_HOME/hub/').env('DSTACK_HUB_DATABASE'))
    .option('--max-code-mb <n>', 'the most code (the working copy) one `dstack run` may upload; default 512', parseMegabytes)
    .action(async function (this: Command, flags: HubFlags) {
      if (this.getOptionValueSource('database') === 'cli') refusePasswordInArgv(flags.database);
      const stop = await startHubFromFlags(flags, (l) => console.log(l), (l) => console.error(l));
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
      await stop();
    });
}
