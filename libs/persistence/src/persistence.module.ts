import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Database } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '#config';
import { dataSourceOptions } from './data-source-options.js';
import { ENTITIES } from './entities/index.js';
import { PostgresRefreshTokenRepository } from './repositories/postgres-refresh-token.repository.js';
import { RefreshTokenRepository } from './repositories/refresh-token.repository.js';
import { SqliteRefreshTokenRepository } from './repositories/sqlite-refresh-token.repository.js';

function refreshTokenRepository(dataSource: DataSource): RefreshTokenRepository {
  if (dataSource.options.type === 'postgres') return new PostgresRefreshTokenRepository(dataSource);
  const db = (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  return new SqliteRefreshTokenRepository(db);
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => dataSourceOptions(config.getOrThrow<DatabaseConfig>('database')),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  providers: [{ provide: RefreshTokenRepository, inject: [DataSource], useFactory: refreshTokenRepository }],
  exports: [TypeOrmModule, RefreshTokenRepository],
})
export class PersistenceModule {}
