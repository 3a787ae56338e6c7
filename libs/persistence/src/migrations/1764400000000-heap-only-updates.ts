import { defineMigration } from './migration.js';

/**
 * PostgreSQL only. A refresh token is updated once or twice in its life (marked used when rotated,
 * revoked with its family), and never in an indexed column. With free room left in each heap page
 * those updates are heap-only (HOT): the new row version stays in the page and none of the table's
 * six indexes gets a new entry, so a rotation and a bulk revocation write far less. Pages written
 * before this migration keep no room until the table is rewritten (VACUUM FULL or pg_repack).
 * SQLite has no such setting.
 */
export const HeapOnlyUpdates1764400000000 = defineMigration('HeapOnlyUpdates', 1764400000000, {
  postgres: {
    up: ['ALTER TABLE refresh_token SET (fillfactor = 80)', 'ALTER TABLE refresh_token_family SET (fillfactor = 90)'],
    down: ['ALTER TABLE refresh_token_family RESET (fillfactor)', 'ALTER TABLE refresh_token RESET (fillfactor)'],
  },
});
