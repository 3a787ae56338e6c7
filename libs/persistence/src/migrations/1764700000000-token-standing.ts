import { defineMigration } from './migration.js';

/**
 * What an access decision compares with today's state (issue of the security review):
 * - `app_user.token_epoch` moves on every disable and password change; a login session, an
 *   authorization code and a refresh-token family record the epoch read before the password was
 *   verified, and are refused once it moved (a disable landing during the password hash cannot be
 *   escaped).
 * - `oauth_client.credentials_changed_at`: the last secret rotation or scope change; access tokens
 *   of the client issued before it no longer act as admin or introspection bearers.
 */
const UP = [
  'ALTER TABLE app_user ADD COLUMN token_epoch integer NOT NULL DEFAULT 0',
  'ALTER TABLE refresh_token_family ADD COLUMN user_epoch integer NOT NULL DEFAULT 0',
  'ALTER TABLE login_session ADD COLUMN user_epoch integer NOT NULL DEFAULT 0',
  'ALTER TABLE authorization_code ADD COLUMN user_epoch integer NOT NULL DEFAULT 0',
  'ALTER TABLE oauth_client ADD COLUMN credentials_changed_at bigint',
];

const DOWN = [
  'ALTER TABLE oauth_client DROP COLUMN credentials_changed_at',
  'ALTER TABLE authorization_code DROP COLUMN user_epoch',
  'ALTER TABLE login_session DROP COLUMN user_epoch',
  'ALTER TABLE refresh_token_family DROP COLUMN user_epoch',
  'ALTER TABLE app_user DROP COLUMN token_epoch',
];

/** The same statements on both dialects: one class in both migration lists. */
export const TokenStanding1764700000000 = defineMigration('TokenStanding', 1764700000000, {
  both: { up: UP, down: DOWN },
});
