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
import type { Database } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from '#config';
import { dataSourceOptions } from './data-source-options.js';
import { ENTITIES } from './entities/index.js';
import { PostgresRefreshTokenRepository } from './repositories/postgres-refresh-token.repository.js';
import { RefreshTokenRepository } from './repositories/refresh-token.repository.js';
import { SqliteRefreshTokenRepository } from './repositories/sqlite-refresh-token.repository.js';
import { AGGREGATE_REPOSITORIES, AGGREGATE_REPOSITORY_PROVIDERS } from './repositories/typeorm-repositories.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';

function refreshTokenRepository(dataSource: DataSource): RefreshTokenRepository {
  if (dataSource.options.type === 'postgres') return new PostgresRefreshTokenRepository(dataSource);
  const db = (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  return new SqliteRefreshTokenRepository(db);
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
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  providers: [
    { provide: RefreshTokenRepository, inject: [DataSource], useFactory: refreshTokenRepository },
    SqliteMaintenance,
    ...AGGREGATE_REPOSITORY_PROVIDERS,
  ],
  exports: [TypeOrmModule, RefreshTokenRepository, ...AGGREGATE_REPOSITORIES],
})
export class PersistenceModule {}
