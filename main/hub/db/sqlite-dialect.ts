/**
 * kysely's SQLite dialect, with transactions that take the write lock when
 * they begin (`BEGIN IMMEDIATE`) instead of on their first write. With
 * kysely's plain `BEGIN`, two hub processes on one file that both read and
 * then write fail at once with SQLITE_BUSY (the busy timeout cannot help a
 * read lock that must upgrade); taking the lock first makes the second one
 * wait its turn. kysely has no option for it, hence this small subclass.
 *
 * Its adapter also says what SQLite can do: DDL inside a transaction. kysely
 * 0.28 assumes not, so its Migrator would run migrations outside any
 * transaction and with no lock, and hub processes starting together on one
 * file would race to create the same tables. Inside `BEGIN IMMEDIATE` the
 * first migrates and the others wait, then find nothing left to do.
 */
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class HubSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
