/** SQL shared by both dialects, with `$name` placeholders (rewritten per driver). */
export const SELECT_TOKEN_WITH_FAMILY = `SELECT t.id, t.family_id, t.parent_id, t.scope, t.issued_at, t.expires_at,
  t.used_at, t.revoked_at, f.client_id AS family_client_id, f.subject AS family_subject,
  f.scope AS family_scope, f.expires_at AS family_expires_at, f.revoked_at AS family_revoked_at
  FROM refresh_token t JOIN refresh_token_family f ON f.id = t.family_id`;

export const INSERT_FAMILY = `INSERT INTO refresh_token_family (id, client_id, subject, scope, created_at, expires_at)
  VALUES ($id, $client_id, $subject, $scope, $created_at, $expires_at)`;

export const INSERT_TOKEN = `INSERT INTO refresh_token
  (id, family_id, parent_id, client_id, subject, token_hash, scope, issued_at, expires_at)
  VALUES ($id, $family_id, $parent_id, $client_id, $subject, $token_hash, $scope, $issued_at, $expires_at)`;

export const INSERT_AUDIT = `INSERT INTO audit_event (id, occurred_at, actor, action, target_type, target_id, reason)
  VALUES ($id, $occurred_at, $actor, $action, $target_type, $target_id, $reason)`;

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
