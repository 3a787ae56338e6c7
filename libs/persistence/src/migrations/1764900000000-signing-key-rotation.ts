import { defineMigration } from './migration.js';

/**
 * Signing-key rotation: a status per key (`next`, `active`, `retiring`, `retired`), when it started and
 * stopped signing, and when it leaves the JWKS. At most one key is active (a partial unique index, so two
 * instances rotating at once cannot both promote a key). Existing keys: the oldest unretired one is
 * active, as it was the one signing; any other unretired one becomes `next`.
 */
const UP = [
  `ALTER TABLE signing_key ADD COLUMN status varchar(16) NOT NULL DEFAULT 'next'`,
  'ALTER TABLE signing_key ADD COLUMN activated_at bigint',
  'ALTER TABLE signing_key ADD COLUMN retire_after bigint',
  `UPDATE signing_key SET status = 'retired', retire_after = retired_at WHERE retired_at IS NOT NULL`,
  `UPDATE signing_key SET status = 'active', activated_at = created_at WHERE kid = (
     SELECT kid FROM signing_key WHERE retired_at IS NULL ORDER BY created_at, kid LIMIT 1)`,
  `CREATE UNIQUE INDEX uq_signing_key_active ON signing_key (status) WHERE status = 'active'`,
];

const DOWN = [
  'DROP INDEX uq_signing_key_active',
  'ALTER TABLE signing_key DROP COLUMN retire_after',
  'ALTER TABLE signing_key DROP COLUMN activated_at',
  'ALTER TABLE signing_key DROP COLUMN status',
];

/** The same statements on both dialects: one class in both migration lists. */
export const SigningKeyRotation1764900000000 = defineMigration('SigningKeyRotation', 1764900000000, {
  both: { up: UP, down: DOWN },
});
