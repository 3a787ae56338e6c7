import { defineMigration } from './migration.js';

/**
 * Refresh tokens minted from now on carry their row's id (`mintRefreshToken`). On SQLite they are found
 * by primary key, their hash checked in the same statement, and the unique index over `token_hash`,
 * where every rotation inserted an entry at a random place, goes. Tokens already handed out have no id
 * in them; their hash is copied to `legacy_token_hash`, under a partial unique index that holds only
 * those rows, so they keep working (and keep revoking their family when replayed) until they are
 * rotated or expire. New rows leave the column NULL and add nothing to that index.
 *
 * PostgreSQL keeps finding every token by its unique `token_hash` (decision 9: measured faster there),
 * so it keeps that index and only gets the column, unused, for one entity on both dialects.
 */
const ADD_LEGACY_COLUMN = 'ALTER TABLE refresh_token ADD COLUMN legacy_token_hash varchar(64)';
const DROP_LEGACY_COLUMN = 'ALTER TABLE refresh_token DROP COLUMN legacy_token_hash';

const LOOKUP_BY_ID_UP = [
  ADD_LEGACY_COLUMN,
  'UPDATE refresh_token SET legacy_token_hash = token_hash',
  'DROP INDEX uq_refresh_token_hash',
  'CREATE UNIQUE INDEX uq_refresh_token_legacy_hash ON refresh_token (legacy_token_hash) WHERE legacy_token_hash IS NOT NULL',
];

const LOOKUP_BY_ID_DOWN = [
  'DROP INDEX uq_refresh_token_legacy_hash',
  'CREATE UNIQUE INDEX uq_refresh_token_hash ON refresh_token (token_hash)',
  DROP_LEGACY_COLUMN,
];

export const RefreshTokenLookupById1764600000000 = defineMigration('RefreshTokenLookupById', 1764600000000, {
  postgres: { up: [ADD_LEGACY_COLUMN], down: [DROP_LEGACY_COLUMN] },
  sqlite: { up: LOOKUP_BY_ID_UP, down: LOOKUP_BY_ID_DOWN },
});
