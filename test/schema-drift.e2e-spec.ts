import type { DataSource, EntityMetadata, Table } from 'typeorm';
import { ENTITIES } from '#persistence';
import { GUARDED_KEYS, keyGuardTriggers } from '../libs/persistence/src/migrations/1765600000000-keys-not-null.js';
import { migratedDataSource } from './support/migrated-data-source.js';
import { TEST_DIALECT, type TestDatabase, createTestDatabase } from './support/test-database.js';

/**
 * The schema is written twice: as entity decorators (what TypeORM reads and writes) and as migrations
 * (what the database really has). This builds the schema from the migrations and compares it with the
 * entity metadata, table by table, on whichever TEST_DATABASE is set.
 */

interface ColumnShape {
  type: string;
  nullable: boolean;
  primary: boolean;
}

interface IndexShape {
  columns: string[];
  unique: boolean;
  partial: boolean;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  indexes: Record<string, IndexShape>;
}

/**
 * Indexes of one dialect only, as refresh-token.entity.ts explains: PostgreSQL finds refresh tokens by
 * their unique token_hash, SQLite by id, with a unique index only over the legacy hashes.
 */
const DIALECT_INDEXES: Record<typeof TEST_DIALECT, { table: string; only: Record<string, IndexShape>; not: string[] }> =
  {
    postgres: {
      table: 'refresh_token',
      only: { uq_refresh_token_hash: { columns: ['token_hash'], unique: true, partial: false } },
      not: ['uq_refresh_token_legacy_hash'],
    },
    sqlite: { table: 'refresh_token', only: {}, not: [] },
  };

const TABLE_NAMES = {
  postgres: `SELECT table_name AS name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  sqlite: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
};

/** One spelling per type: PostgreSQL's catalog names, and SQLite's integer storage of instants and booleans. */
function normaliseType(type: string, length: string | number | undefined): string {
  const base = type.toLowerCase() === 'character varying' ? 'varchar' : type.toLowerCase();
  const stored = TEST_DIALECT === 'sqlite' && ['bigint', 'boolean', 'int', 'integer'].includes(base) ? 'integer' : base;
  return stored === 'varchar' && length ? `varchar(${length})` : stored;
}

function fromEntity(metadata: EntityMetadata): TableShape {
  const columns = Object.fromEntries(
    metadata.columns.map((c) => [
      c.databaseName,
      { type: normaliseType(String(c.type), c.length), nullable: c.isNullable, primary: c.isPrimary },
    ]),
  );
  const indexes: Record<string, IndexShape> = Object.fromEntries(
    metadata.indices.map((i) => [
      i.name,
      { columns: i.columns.map((c) => c.databaseName), unique: i.isUnique, partial: Boolean(i.where) },
    ]),
  );
  // A column-level `unique: true` is a constraint TypeORM names itself: the migrations name every index.
  for (const u of metadata.uniques) {
    indexes[u.name] = { columns: u.columns.map((c) => c.databaseName), unique: true, partial: false };
  }
  const dialect = DIALECT_INDEXES[TEST_DIALECT];
  if (metadata.tableName === dialect.table) {
    for (const name of dialect.not) delete indexes[name];
    Object.assign(indexes, dialect.only);
  }
  return { columns, indexes };
}

/**
 * SQLite lets a single-column PRIMARY KEY other than INTEGER hold NULL unless it says NOT NULL, and the
 * earlier migrations did not say it: migration 1765600000000 guards each such key with two triggers that
 * refuse NULL. Such a column counts as not nullable here only when both of its triggers exist; every other
 * column is compared as declared (a new table must say NOT NULL).
 */
async function guardedTables(dataSource: DataSource): Promise<Set<string>> {
  if (TEST_DIALECT !== 'sqlite') return new Set();
  const triggers = new Set(
    ((await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)) as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  return new Set(
    GUARDED_KEYS.map(([table]) => table).filter((table) => {
      const names = keyGuardTriggers(table);
      return triggers.has(names.insert) && triggers.has(names.update);
    }),
  );
}

function fromDatabase(table: Table, tableName: string, guarded: Set<string>): TableShape {
  const primaryKey = table.columns.filter((c) => c.isPrimary);
  const columns = Object.fromEntries(
    table.columns.map((c) => [
      c.name,
      {
        type: normaliseType(c.type, c.length),
        nullable: c.isNullable && !(guarded.has(tableName) && c.isPrimary && primaryKey.length === 1),
        primary: c.isPrimary,
      },
    ]),
  );
  const indexes = Object.fromEntries(
    table.indices.map((i) => [
      i.name!,
      { columns: i.columnNames, unique: Boolean(i.isUnique), partial: Boolean(i.where) },
    ]),
  );
  // Unique constraints (none today) are compared as the indexes that carry them.
  for (const u of table.uniques) indexes[u.name!] = { columns: u.columnNames, unique: true, partial: false };
  return { columns, indexes };
}

/**
 * PostgreSQL's indexes from the catalog, columns in key order (TypeORM's loader lists them in table
 * order, which hides a reordered index); primary keys are compared as columns.
 */
async function postgresIndexes(dataSource: DataSource): Promise<Map<string, Record<string, IndexShape>>> {
  const rows = (await dataSource.query(`
    SELECT t.relname AS "table", i.relname AS name, ix.indisunique AS "unique", ix.indpred IS NOT NULL AS partial,
           ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND NOT ix.indisprimary`)) as ({ table: string; name: string } & IndexShape)[];
  const byTable = new Map<string, Record<string, IndexShape>>();
  for (const { table, name, ...shape } of rows) byTable.set(table, { ...byTable.get(table), [name]: shape });
  return byTable;
}

describe(`the schema the migrations build on ${TEST_DIALECT}`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let tables: Map<string, TableShape>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await migratedDataSource(database);
    const names = ((await dataSource.query(TABLE_NAMES[TEST_DIALECT])) as { name: string }[]).map((r) => r.name);
    const runner = dataSource.createQueryRunner();
    try {
      const loaded = await runner.getTables(names);
      const indexes = TEST_DIALECT === 'postgres' ? await postgresIndexes(dataSource) : undefined;
      const guarded = await guardedTables(dataSource);
      tables = new Map(
        loaded.map((t) => {
          const name = dataSource.driver.parseTableName(t).tableName;
          const shape = fromDatabase(t, name, guarded);
          return [name, indexes ? { ...shape, indexes: indexes.get(name) ?? {} } : shape];
        }),
      );
    } finally {
      await runner.release();
    }
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('has exactly the entities’ tables (besides the migrations table)', () => {
    const migrationsTable = dataSource.options.migrationsTableName ?? 'migrations';
    const built = [...tables.keys()].filter((name) => name !== migrationsTable).sort();
    expect(built).toEqual(ENTITIES.map((e) => dataSource.getMetadata(e).tableName).sort());
  });

  describe.each(ENTITIES.map((e) => [e.name, e] as const))('%s', (_, entity) => {
    it('has the columns, types, nullability and primary key of the entity', () => {
      const metadata = dataSource.getMetadata(entity);
      const built = tables.get(metadata.tableName)!;
      expect(built.columns).toEqual(fromEntity(metadata).columns);
    });

    // SQLite only: PostgreSQL's primary keys are NOT NULL by definition.
    if (TEST_DIALECT === 'sqlite')
      it('refuses a NULL primary key', async () => {
        const metadata = dataSource.getMetadata(entity);
        const keys = metadata.primaryColumns.map((c) => c.databaseName);
        const insert = `INSERT INTO ${metadata.tableName} (${keys.join(', ')}) VALUES (${keys.map(() => 'NULL').join(', ')})`;
        // The message names the key column: the key's own guard refused, before any other column's constraint.
        await expect(dataSource.query(insert)).rejects.toThrow(
          new RegExp(`NOT NULL constraint failed: ${metadata.tableName}\\.(${keys.join('|')})`),
        );
      });

    it('has the indexes the entity declares (columns in order, uniqueness, partial or not)', () => {
      const metadata = dataSource.getMetadata(entity);
      const built = tables.get(metadata.tableName)!;
      expect(built.indexes).toEqual(fromEntity(metadata).indexes);
    });
  });
});
