import { type Dialect, type MigrationSteps, defineMigration } from './migration.js';

/**
 * Family lineage for forensics (RFC 9700 4.14): `refresh_token.used_address` and `used_user_agent`, where
 * the request that rotated a token came from (written by the statement that marks it used), and on
 * `refresh_token_family` the replay that revoked it: the token presented again, when and from where
 * (written by the statement that revokes it). All nullable: existing rows have none.
 */
function steps(d: Dialect): MigrationSteps {
  const instant = d === 'postgres' ? 'bigint' : 'integer';
  return {
    up: [
      'ALTER TABLE refresh_token ADD COLUMN used_address varchar(64)',
      'ALTER TABLE refresh_token ADD COLUMN used_user_agent varchar(200)',
      'ALTER TABLE refresh_token_family ADD COLUMN replayed_token_id varchar(36)',
      `ALTER TABLE refresh_token_family ADD COLUMN replayed_at ${instant}`,
      'ALTER TABLE refresh_token_family ADD COLUMN replayed_address varchar(64)',
      'ALTER TABLE refresh_token_family ADD COLUMN replayed_user_agent varchar(200)',
    ],
    down: [
      'ALTER TABLE refresh_token_family DROP COLUMN replayed_user_agent',
      'ALTER TABLE refresh_token_family DROP COLUMN replayed_address',
      'ALTER TABLE refresh_token_family DROP COLUMN replayed_at',
      'ALTER TABLE refresh_token_family DROP COLUMN replayed_token_id',
      'ALTER TABLE refresh_token DROP COLUMN used_user_agent',
      'ALTER TABLE refresh_token DROP COLUMN used_address',
    ],
  };
}

export const FamilyLineage1765500000000 = defineMigration('FamilyLineage', 1765500000000, {
  postgres: steps('postgres'),
  sqlite: steps('sqlite'),
});
