import type { QueryRunner } from 'typeorm';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './index.js';
import { defineMigration } from './migration.js';

/** The names existing databases recorded in their migrations tables, oldest first. */
const RECORDED = {
  sqlite: [
    'InitialSchemaSqlite1764100000000',
    'AuthorizationCodeFlowSqlite1764200000000',
    'HousekeepingIndexesSqlite1764300000000',
    'RefreshTokenLookupByIdSqlite1764600000000',
    'TokenStanding1764700000000',
    'AuthorizationCodeRedirectUriSentSqlite1764800000000',
    'SigningKeyRotation1764900000000',
    'ClientKeys1765100000000',
    'DpopBindingSqlite1765200000000',
    'DeviceAuthorization1765300000000',
    'SecurityEventsSqlite1765400000000',
    'FamilyLineageSqlite1765500000000',
    'KeysNotNullSqlite1765600000000',
  ],
  postgres: [
    'InitialSchemaPostgres1764100000000',
    'AuthorizationCodeFlowPostgres1764200000000',
    'HousekeepingIndexesPostgres1764300000000',
    'HeapOnlyUpdatesPostgres1764400000000',
    'BulkRevocationRoomPostgres1764500000000',
    'RefreshTokenLookupByIdPostgres1764600000000',
    'TokenStanding1764700000000',
    'AuthorizationCodeRedirectUriSentPostgres1764800000000',
    'SigningKeyRotation1764900000000',
    'ClientKeys1765100000000',
    'DpopBindingPostgres1765200000000',
    'DeviceAuthorization1765300000000',
    'SecurityEventsPostgres1765400000000',
    'FamilyLineagePostgres1765500000000',
  ],
};

describe(defineMigration.name, () => {
  it.each([
    ['sqlite', SQLITE_MIGRATIONS],
    ['postgres', POSTGRES_MIGRATIONS],
  ] as const)('keeps every recorded %s migration name, as the instance and the class name', (dialect, list) => {
    expect(list.map((m) => new m().name)).toEqual(RECORDED[dialect]);
    expect(list.map((m) => m.name)).toEqual(RECORDED[dialect]);
  });

  it('names one class for both dialects, or one per dialect it has statements for', () => {
    const steps = { up: ['SELECT 1'], down: ['SELECT 2'] };
    const shared = defineMigration('Shared', 1700000000000, { both: steps });
    expect(shared.postgres).toBe(shared.sqlite);
    expect(new shared.postgres!().name).toBe('Shared1700000000000');
    const postgresOnly = defineMigration('Fillfactor', 1700000000001, { postgres: steps });
    expect(Object.keys(postgresOnly)).toEqual(['postgres']);
    expect(new postgresOnly.postgres!().name).toBe('FillfactorPostgres1700000000001');
  });

  it('runs the statements in order, up and down', async () => {
    const ran: string[] = [];
    const runner = { query: async (sql: string) => void ran.push(sql) } as unknown as QueryRunner;
    const { sqlite } = defineMigration('Two', 1700000000002, { sqlite: { up: ['a', 'b'], down: ['c', 'd'] } });
    const migration = new sqlite!();
    await migration.up(runner);
    await migration.down(runner);
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
  });
});
