import { Injectable } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import { DataSource, type DataSourceOptions, type ObjectLiteral } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

export type Dialect = 'postgres' | 'sqlite';

/** The connections of this instance by state, as the metrics report them. */
export interface ConnectionCounts {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * The DataSource every part of the app uses (TypeOrmModule's `dataSourceFactory`). TypeORM's SQLite driver
 * writes each JavaScript number among a query builder's parameters into the SQL text itself
 * (`expires_at > 1796513059169`), so a query with a timestamp or a keyset cursor is a statement SQLite has
 * never seen, on every call: prepared again each time, TypeORM's statement cache never hit, and the statements
 * it evicts keep their native memory until V8 collects them (the admin list's RSS grew by about 100 MB in a
 * few thousand requests; bench/remaining-costs.md). Here such numbers are bound as parameters instead (a bigint,
 * which better-sqlite3 binds as INTEGER), so a query is prepared once per shape. PostgreSQL's driver binds
 * numbers already.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const dataSource = new DataSource(options);
  if (options.type !== 'better-sqlite3') return dataSource;
  const driver = dataSource.driver as BetterSqlite3Driver;
  const escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql: string, parameters: ObjectLiteral) =>
    escape(sql, parameters && Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, bindable(v)])));
  return dataSource;
}

/** A safe integer as a bigint (bound, not inlined); anything else as it is. */
function bindable(value: unknown): unknown {
  return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
}

/** TypeORM's default pool size when DATABASE_POOL_SIZE leaves it unset. */
const DEFAULT_POOL_SIZE = 10;

/**
 * The raw drivers behind TypeORM's DataSource, reached here and nowhere else: the hot statements
 * (rotation, lookups, group commits) skip TypeORM's query runner, and the metrics read the pool's
 * counts. Everything else goes through TypeORM or a repository of libs/persistence.
 */
@Injectable()
export class DatabaseHandle {
  readonly dialect: Dialect;

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /** pg's Pool (PostgreSQL only); created when the DataSource connects. */
  get pool(): Pool {
    if (this.dialect !== 'postgres') throw new Error('the database is not PostgreSQL');
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }

  /** better-sqlite3's one synchronous connection (SQLite only). */
  get sqlite(): Database {
    if (this.dialect !== 'sqlite') throw new Error('the database is not SQLite');
    return (this.dataSource.driver as BetterSqlite3Driver).databaseConnection as Database;
  }

  /** The most connections this instance opens (PostgreSQL's pool; SQLite has one). */
  get poolSize(): number {
    if (this.dialect === 'sqlite') return 1;
    return (this.dataSource.options as { poolSize?: number }).poolSize ?? DEFAULT_POOL_SIZE;
  }

  connections(): ConnectionCounts {
    // better-sqlite3: one synchronous connection, never busy while JavaScript (this call) runs.
    if (this.dialect === 'sqlite') return { total: 1, idle: 1, waiting: 0 };
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool | undefined;
    if (!pool) return { total: 0, idle: 0, waiting: 0 };
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }
}
