import { defineMigration } from './migration.js';

/**
 * Indexes for the housekeeping job, which deletes dead families and expired login sessions in small
 * batches: without them every batch would scan the whole table. Families are found by absolute expiry,
 * or by revocation time (a partial index: most families are never revoked). authorization_code already
 * has its (expires_at) index. Same SQL on both dialects.
 *
 * A plain CREATE INDEX blocks writes to the table while it builds (migrations run in one transaction,
 * where PostgreSQL's CONCURRENTLY is not allowed); these tables are small enough for that at upgrade time.
 */
const HOUSEKEEPING_INDEXES_UP = [
  'CREATE INDEX idx_family_expires ON refresh_token_family (expires_at)',
  'CREATE INDEX idx_family_revoked ON refresh_token_family (revoked_at) WHERE revoked_at IS NOT NULL',
  'CREATE INDEX idx_login_session_expires ON login_session (expires_at)',
];

const HOUSEKEEPING_INDEXES_DOWN = [
  'DROP INDEX idx_login_session_expires',
  'DROP INDEX idx_family_revoked',
  'DROP INDEX idx_family_expires',
];

const steps = { up: HOUSEKEEPING_INDEXES_UP, down: HOUSEKEEPING_INDEXES_DOWN };

/** The same statements on both dialects, in a class per dialect (as first recorded). */
export const HousekeepingIndexes1764300000000 = defineMigration('HousekeepingIndexes', 1764300000000, {
  postgres: steps,
  sqlite: steps,
});
