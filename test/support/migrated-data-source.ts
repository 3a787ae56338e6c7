import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { type DatabaseConfig, parseDatabaseUrl } from '#config';
import { createDataSource, dataSourceOptions } from '#persistence';
import type { TestDatabase } from './test-database.js';

/** A data source over the test database with the app's options: every migration has run once it resolves. */
export async function migratedDataSource(database: TestDatabase): Promise<DataSource> {
  const config: DatabaseConfig = { target: parseDatabaseUrl(database.url), poolSize: 4, sqliteSynchronous: 'NORMAL' };
  return createDataSource(dataSourceOptions(config)).initialize();
}
