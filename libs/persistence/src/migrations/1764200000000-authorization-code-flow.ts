import { MigrationInterface, QueryRunner } from 'typeorm';
import { SCHEMA_V2_DOWN, schemaV2 } from './schema-v2.js';

export class AuthorizationCodeFlowSqlite1764200000000 implements MigrationInterface {
  name = 'AuthorizationCodeFlowSqlite1764200000000';
  async up(q: QueryRunner): Promise<void> {
    for (const sql of schemaV2('sqlite')) await q.query(sql);
  }
  async down(q: QueryRunner): Promise<void> {
    for (const sql of SCHEMA_V2_DOWN) await q.query(sql);
  }
}

export class AuthorizationCodeFlowPostgres1764200000000 implements MigrationInterface {
  name = 'AuthorizationCodeFlowPostgres1764200000000';
  async up(q: QueryRunner): Promise<void> {
    for (const sql of schemaV2('postgres')) await q.query(sql);
  }
  async down(q: QueryRunner): Promise<void> {
    for (const sql of SCHEMA_V2_DOWN) await q.query(sql);
  }
}
