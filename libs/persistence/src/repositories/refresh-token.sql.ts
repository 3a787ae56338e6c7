/** SQL shared by both dialects, with `$name` placeholders (rewritten per driver). */
import { USER_ACTIVE_SQL } from './rotation-rule.js';

export const SELECT_TOKEN_WITH_FAMILY = `SELECT t.id, t.family_id, t.parent_id, t.scope, t.issued_at, t.expires_at,
  t.used_at, t.revoked_at, t.revoked_reason, f.client_id AS family_client_id, f.subject AS family_subject,
  f.scope AS family_scope, f.expires_at AS family_expires_at, f.revoked_at AS family_revoked_at,
  ${USER_ACTIVE_SQL} AS user_active, f.dpop_jkt AS family_dpop_jkt
  FROM refresh_token t JOIN refresh_token_family f ON f.id = t.family_id LEFT JOIN app_user u ON u.id = f.subject`;

/**
 * A family is created only for a user who is still enabled and whose token epoch is the one read
 * before the password was verified (`CAST`: PostgreSQL types the parameters of a SELECT list as text).
 * PostgreSQL appends FOR SHARE: a disable or password change waits for this insert and then revokes
 * the family, or this insert waits for it and then finds the epoch moved.
 */
export const INSERT_FAMILY = `INSERT INTO refresh_token_family (id, client_id, subject, scope, created_at, expires_at, user_epoch, dpop_jkt)
  SELECT $id, $client_id, app_user.id, $scope, CAST($created_at AS bigint), CAST($expires_at AS bigint), CAST($user_epoch AS integer), CAST($dpop_jkt AS varchar(64))
  FROM app_user WHERE id = $subject AND disabled_at IS NULL AND token_epoch = CAST($user_epoch AS integer)`;

export const INSERT_TOKEN = `INSERT INTO refresh_token
  (id, family_id, parent_id, client_id, subject, token_hash, scope, issued_at, expires_at)
  VALUES ($id, $family_id, $parent_id, $client_id, $subject, $token_hash, $scope, $issued_at, $expires_at)`;

export const INSERT_AUDIT = `INSERT INTO audit_event (id, occurred_at, actor, action, target_type, target_id, reason)
  VALUES ($id, $occurred_at, $actor, $action, $target_type, $target_id, $reason)`;

/**
 * Reuse interval (RFC 9700 4.14.2): a family keeps one live token. A retry of `$parent_id` first
 * revokes the successors it got before and that are still unused; a used one makes it a replay.
 */
export const SUPERSEDE_SIBLINGS = `UPDATE refresh_token SET revoked_at = $now, revoked_reason = 'superseded'
  WHERE family_id = $family_id AND parent_id = $parent_id AND used_at IS NULL AND revoked_at IS NULL`;

export const SUCCESSOR_USED = `SELECT 1 AS used FROM refresh_token
  WHERE family_id = $family_id AND parent_id = $parent_id AND used_at IS NOT NULL`;

export const REDEEM_CODE = `UPDATE authorization_code SET used_at = $now, family_id = $family_id
  WHERE id = $id AND used_at IS NULL`;

/** Rewrites `$name` placeholders to PostgreSQL's `$1..$n`, returning the parameter order. */
export function positional(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  const text = sql.replace(/\$([a-z_]+)/g, (_, name: string) => {
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, names };
}

/** The family stands: not revoked and its absolute expiry not reached (an access token of it is active while it does). */
export const FAMILY_STANDS = `SELECT 1 AS stands FROM refresh_token_family
  WHERE id = $id AND revoked_at IS NULL AND expires_at > $now`;
