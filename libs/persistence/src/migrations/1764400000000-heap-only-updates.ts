import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL only. A refresh token is updated once or twice in its life (marked used when rotated,
 * revoked with its family), and never in an indexed column. With free room left in each heap page
 * those updates are heap-only (HOT): the new row version stays in the page and none of the table's
 * six indexes gets a new entry, so a rotation and a bulk revocation write far less. Pages written
 * before this migration keep no room until the table is rewritten (VACUUM FULL or pg_repack).
 * SQLite has no such setting.
 */
export class HeapOnlyUpdatesPostgres1764400000000 implements MigrationInterface {
  name = 'HeapOnlyUpdatesPostgres1764400000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE refresh_token SET (fillfactor = 80)');
    await q.query('ALTER TABLE refresh_token_family SET (fillfactor = 90)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE refresh_token_family RESET (fillfactor)');
    await q.query('ALTER TABLE refresh_token RESET (fillfactor)');
  }
}
