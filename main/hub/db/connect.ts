/**
 * Opens the hub's database from `--database`: nothing means the embedded
 * SQLite file `DSTACK_HOME/hub/hub.db` (folder 0700, file 0600, so other
 * users of the machine cannot read token hashes or sealed credentials);
 * `postgresql://…` means a pool on a Postgres that several hub processes
 * share.
 */
import { chmod, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { InvalidArgumentError } from '../../common/errors';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../node/private-dir';
import type { DialectKind } from './dialect-kind';
import type { HubDatabase } from './schema';
import { HubSqliteDialect } from './sqlite-dialect';

/** Where the hub's database is, parsed from `--database`. */
export type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface HubDb {
  db: Kysely<HubDatabase>;
  kind: DialectKind;
  /** Where it is, with any password masked: for messages and logs. */
  shown: string;
}

/** The hub's own folder under DSTACK_HOME: its SQLite file and its key file. */
export function hubDir(home: string): string {
  return join(home, 'hub');
}

/** Reads `--database`: a postgres URL, a SQLite file path, or nothing for the default file. */
export function parseDatabaseOption(option: string | undefined, home: string): DatabaseLocation {
  if (option === undefined || option === '') return { kind: 'sqlite', path: join(hubDir(home), 'hub.db') };
  if (/^postgres(ql)?:\/\//i.test(option)) {
    try {
      new URL(option);
    } catch {
      throw new InvalidArgumentError(`--database ${maskPassword(option)} is not a valid URL.`, 'Write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE.');
    }
    return { kind: 'postgres', url: option };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(option)) {
    throw new InvalidArgumentError(
      `--database ${maskPassword(option)} is neither a Postgres URL nor a file.`,
      'Give postgresql://USER:PASSWORD@HOST:PORT/DATABASE, a path to a SQLite file, or leave it out for DSTACK_HOME/hub/hub.db.',
    );
  }
  return { kind: 'sqlite', path: resolve(option.replace(/^sqlite:/i, '')) };
}

/** The location as it may be shown: a URL's password replaced by `***`. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** Opens the database (creating the SQLite file and its folder privately); runs no migration. */
export async function openHubDb(location: DatabaseLocation, opts: { poolSize?: number } = {}): Promise<HubDb> {
  if (location.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: location.url,
      max: opts.poolSize ?? 10,
      // Times are bigint columns; as milliseconds since the epoch they fit a JS number exactly.
      types: { getTypeParser: ((oid: number, format?: string) => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as never))) as never },
    });
    // A connection that Postgres cuts (a restart, a failover, an admin) is reported as an 'error' event on the
    // pool when idle, on the client when checked out between two queries; without a listener either report
    // would crash the hub. The query in flight fails on its own, the pool drops the dead client, and the next
    // query connects anew.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => void client.on('error', () => undefined));
    return { db: new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) }), kind: 'postgres', shown: maskPassword(location.url) };
  }
  await createPrivateFile(location.path);
  const sqlite = new BetterSqlite3(location.path, { timeout: 10_000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  return { db: new Kysely<HubDatabase>({ dialect: new HubSqliteDialect({ database: sqlite }) }), kind: 'sqlite', shown: location.path };
}

/** Creates the file 0600 before SQLite does (SQLite gives its -wal/-shm files the same mode), and narrows an existing one. */
async function createPrivateFile(path: string): Promise<void> {
  await ensurePrivateDir(resolve(path, '..'), "The hub's database folder");
  const handle = await open(path, 'a', PRIVATE_FILE_MODE);
  try {
    const { mode } = await handle.stat();
    if ((mode & 0o077) !== 0) await chmod(path, PRIVATE_FILE_MODE);
  } finally {
    await handle.close();
  }
}
