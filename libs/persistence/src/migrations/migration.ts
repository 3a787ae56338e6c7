import type { MigrationInterface, QueryRunner } from 'typeorm';

export type Dialect = 'sqlite' | 'postgres';

/** A migration's statements, run in order. */
export interface MigrationSteps {
  up: readonly string[];
  down: readonly string[];
}

export type MigrationClass = new () => MigrationInterface;

/**
 * The statements per dialect: `both` when they are the same SQL (one class, named `<name><timestamp>`,
 * in both lists), otherwise `postgres` and/or `sqlite` (a class per dialect, `<name>Postgres<timestamp>`
 * and `<name>Sqlite<timestamp>`).
 */
export type DialectSteps = { both: MigrationSteps } | { postgres?: MigrationSteps; sqlite?: MigrationSteps };

export type DefinedMigration = Partial<Record<Dialect, MigrationClass>>;

/**
 * Makes a migration's classes. Their names are what the migrations table of every existing database
 * records (TypeORM also reads the timestamp from the name's last 13 digits): never rename one.
 */
export function defineMigration(name: string, timestamp: number, steps: DialectSteps): DefinedMigration {
  if ('both' in steps) {
    const shared = migrationClass(`${name}${timestamp}`, steps.both);
    return { postgres: shared, sqlite: shared };
  }
  const defined: DefinedMigration = {};
  if (steps.postgres) defined.postgres = migrationClass(`${name}Postgres${timestamp}`, steps.postgres);
  if (steps.sqlite) defined.sqlite = migrationClass(`${name}Sqlite${timestamp}`, steps.sqlite);
  return defined;
}

function migrationClass(name: string, steps: MigrationSteps): MigrationClass {
  const generated = class implements MigrationInterface {
    name = name;
    async up(q: QueryRunner): Promise<void> {
      for (const sql of steps.up) await q.query(sql);
    }
    async down(q: QueryRunner): Promise<void> {
      for (const sql of steps.down) await q.query(sql);
    }
  };
  Object.defineProperty(generated, 'name', { value: name });
  return generated;
}

/** The migrations of one dialect, in the order given (oldest first). */
export function migrationsFor(dialect: Dialect, migrations: readonly DefinedMigration[]): MigrationClass[] {
  return migrations.flatMap((m) => (m[dialect] ? [m[dialect]] : []));
}
