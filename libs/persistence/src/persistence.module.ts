import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from '#config';
import { DatabaseHandle, createDataSource } from './database-handle.js';
import { dataSourceOptions } from './data-source-options.js';
import { ENTITIES } from './entities/index.js';
import { PostgresRefreshTokenRepository } from './repositories/postgres-refresh-token.repository.js';
import { RefreshTokenRepository } from './repositories/refresh-token.repository.js';
import { SqliteRefreshTokenRepository } from './repositories/sqlite-refresh-token.repository.js';
import { AGGREGATE_REPOSITORIES, AGGREGATE_REPOSITORY_PROVIDERS } from './repositories/typeorm-repositories.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { HousekeepingRepository } from './repositories/housekeeping.repository.js';
import { RefreshTokenListRepository } from './repositories/refresh-token-list.repository.js';

function refreshTokenRepository(dataSource: DataSource, handle: DatabaseHandle): RefreshTokenRepository {
  if (handle.dialect === 'postgres') return new PostgresRefreshTokenRepository(dataSource, handle);
  return new SqliteRefreshTokenRepository(handle.sqlite);
}

/** Runs SQLite's WAL checkpoints on a worker thread while the app serves (file databases only). */
@Injectable()
export class SqliteMaintenance implements OnApplicationBootstrap, OnApplicationShutdown {
  private checkpointer?: SqliteCheckpointer;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly config: DatabaseConfig,
  ) {}

  onApplicationBootstrap(): void {
    const target = this.config.target;
    if (target.type !== 'sqlite' || target.path === ':memory:') return;
    this.checkpointer = new SqliteCheckpointer(target.path, this.config.sqliteSynchronous, (e) =>
      new Logger('SQLite').warn(`WAL checkpoint thread stopped (${e.name}); checkpoints fall back to commits`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.checkpointer?.stop();
  }
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => dataSourceOptions(config.getOrThrow<DatabaseConfig>('database')),
      dataSourceFactory: async (options) => createDataSource(options!),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  providers: [
    { provide: RefreshTokenRepository, inject: [DataSource, DatabaseHandle], useFactory: refreshTokenRepository },
    SqliteMaintenance,
    ...AGGREGATE_REPOSITORY_PROVIDERS,
    DatabaseHandle,
    RefreshTokenListRepository,
    HousekeepingRepository,
  ],
  exports: [
    TypeOrmModule,
    RefreshTokenRepository,
    ...AGGREGATE_REPOSITORIES,
    DatabaseHandle,
    RefreshTokenListRepository,
    HousekeepingRepository,
  ],
})
export class PersistenceModule {}
