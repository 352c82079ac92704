/**
 * kysely's SQLite dialect, with transactions that take the write lock when
 * they begin (`BEGIN IMMEDIATE`) instead of on their first write. With
 * kysely's plain `BEGIN`, two hub processes on one file that both read and
 * then write fail at once with SQLITE_BUSY (the busy timeout cannot help a
 * read lock that must upgrade); taking the lock first makes the second one
 * wait its turn. kysely has no option for it, hence this small subclass.
 */
import type { DatabaseConnection, Driver, SqliteDialectConfig } from 'kysely';
import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
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
}
