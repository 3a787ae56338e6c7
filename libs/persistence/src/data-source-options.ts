import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '#config';
import { ENTITIES } from './entities/index.js';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations/index.js';
import { FALLBACK_AUTOCHECKPOINT } from './sqlite-checkpointer.js';
import { secureSqliteFiles } from './sqlite-files.js';

/** TypeORM options for DATABASE_URL. Migrations run at start; never `synchronize`. */
export function dataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const common = { entities: ENTITIES, migrationsRun: true, synchronize: false, logging: false } as const;
  const target = config.target;
  if (target.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: target.url,
      migrations: POSTGRES_MIGRATIONS,
      migrationsTransactionMode: 'all',
      poolSize: config.poolSize,
      extra: { connectionTimeoutMillis: 5000, application_name: 'authorization-server' },
    };
  }
  // The file holds the private signing key: private modes before SQLite opens (and creates) it.
  if (target.path !== ':memory:') secureSqliteFiles(target.path);
  return {
    ...common,
    type: 'better-sqlite3',
    database: target.path,
    migrations: SQLITE_MIGRATIONS,
    migrationsTransactionMode: 'all',
    enableWAL: true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.pragma(`synchronous = ${config.sqliteSynchronous}`);
      // Checkpoints run on a worker thread (SqliteCheckpointer); this one only as a fallback.
      db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
    },
  };
}
