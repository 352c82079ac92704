/**
 * A real, throwaway Postgres for the hub's tests: Debian's `postgresql`
 * binaries, a fresh cluster (initdb) in a temp folder, on a free port of
 * 127.0.0.1 with a random password, its unix socket inside that folder (no
 * shared /var/run). Postgres refuses to run as root, so as root the folder
 * is handed to the `postgres` OS user and every binary runs through
 * `runuser -u postgres`. One cluster per test file (beforeAll): initdb is
 * the slow part; `newDatabase()` gives each test its own fresh database.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface PostgresCluster {
  /** postgresql://postgres:…@127.0.0.1:PORT/postgres: the maintenance database. */
  url: string;
  /** Creates an empty database and returns its URL. */
  newDatabase(): Promise<string>;
  /** pg_ctl stop -m fast, then removes the folder. */
  stop(): Promise<void>;
}

const APT_LINE = 'sudo apt-get install -y --no-install-recommends postgresql';

/** The newest installed Postgres's bin folder; fails with the one line that installs it. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const found = versions.sort((a, b) => Number(b) - Number(a)).map((v) => join(root, v, 'bin'));
  if (!found[0]) throw new Error(`The hub's Postgres tests need Debian's postgresql (no /usr/lib/postgresql/*/bin/initdb here). Run: ${APT_LINE}`);
  return found[0];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  const out = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return out.status === 0 ? { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) } : undefined;
}

/** Starts a cluster; as root, as the `postgres` user (which the Debian package creates). */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? osUser('postgres') : undefined;
  if (asRoot && !owner) throw new Error(`Running as root, the Postgres tests need the "postgres" OS user that Debian's package creates. Run: ${APT_LINE}`);
  const cmd = (program: string, args: string[]): [string, string[]] =>
    owner ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];

  const dir = await mkdtemp(join(tmpdir(), 'dstack-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const pwfile = join(dir, 'pw');
  const password = randomBytes(18).toString('base64url');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  const port = await freePort();
  let started = false;
  const stopNow = () => {
    if (started) spawnSync(...cmd('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']), { stdio: 'ignore' });
  };
  try {
    await run(...cmd('initdb', ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync', '--no-instructions']));
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await run(...cmd('pg_ctl', ['start', '-D', data, '-l', log, '-o', options, '-w', '-t', '120']));
    started = true;
  } catch (err) {
    const tail = await readFile(log, 'utf8').catch(() => '(no log)');
    stopNow();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Could not start a test Postgres on port ${port}: ${(err as Error).message}\n${tail.slice(-2000)}`);
  }
  // A test run that dies without afterAll still stops its cluster.
  process.once('exit', stopNow);
  const url = (db: string) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  let n = 0;
  return {
    url: url('postgres'),
    async newDatabase() {
      const name = `hub_${process.pid}_${++n}_${randomBytes(3).toString('hex')}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      process.removeListener('exit', stopNow);
      try {
        await run(...cmd('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
