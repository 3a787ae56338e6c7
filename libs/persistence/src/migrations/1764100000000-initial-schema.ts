import { MigrationInterface, QueryRunner } from 'typeorm';
import { SCHEMA_V1_TABLES, schemaV1 } from './schema-v1.js';

export class InitialSchemaSqlite1764100000000 implements MigrationInterface {
  name = 'InitialSchemaSqlite1764100000000';
  async up(q: QueryRunner): Promise<void> {
    for (const sql of schemaV1('sqlite')) await q.query(sql);
  }
  async down(q: QueryRunner): Promise<void> {
    for (const table of SCHEMA_V1_TABLES) await q.query(`DROP TABLE ${table}`);
  }
}

export class InitialSchemaPostgres1764100000000 implements MigrationInterface {
  name = 'InitialSchemaPostgres1764100000000';
  async up(q: QueryRunner): Promise<void> {
    for (const sql of schemaV1('postgres')) await q.query(sql);
  }
  async down(q: QueryRunner): Promise<void> {
    for (const table of SCHEMA_V1_TABLES) await q.query(`DROP TABLE ${table}`);
  }
}
