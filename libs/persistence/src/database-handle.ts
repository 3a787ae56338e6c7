import { Injectable } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

export type Dialect = 'postgres' | 'sqlite';

/** The connections of this instance by state, as the metrics report them. */
export interface ConnectionCounts {
  total: number;
  idle: number;
  waiting: number;
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
