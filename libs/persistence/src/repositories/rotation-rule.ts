import type { RefreshTokenWithFamily } from './refresh-token.repository.js';

/** A token's own revocation reason (its family lives on): replaced by a retry within the reuse interval. */
export const SUPERSEDED = 'superseded';

/**
 * Why a presented token may not be rotated: the first condition it fails, in the order of
 * ROTATION_CONDITIONS. `replayed` is a token a retry replaced (handed out, so presenting it is a
 * replay); `used` is a token rotated before (a retry within the reuse interval, or a replay);
 * `dpop_key_mismatch` is a token of a DPoP-bound family presented without a proof of its key.
 */
export type RotationRefusal =
  'unknown' | 'dpop_key_mismatch' | 'revoked' | 'replayed' | 'user_changed' | 'expired' | 'used';

/** The names a condition's SQL is written over. */
export interface RotationSqlNames {
  /** The presented token read with its family: the columns of SELECT_TOKEN_WITH_FAMILY. */
  read: string;
  /**
   * The refresh_token row the statement updates. What a concurrent request can change between the read
   * and the write (used, revoked) is checked on it, so that a statement that waited for the row's lock
   * sees the other's write.
   */
  row: string;
  /** The presenting client's id and the request's instant, as SQL expressions. */
  clientId: string;
  now: string;
  /** The thumbprint of the key the request's DPoP proof was signed with (RFC 9449), as SQL; absent: none. */
  jkt?: string;
}

export interface RotationCondition {
  /** What must hold, for tests and messages. */
  name: string;
  /** `jkt`: the thumbprint of the key the request proved (RFC 9449), null or absent without a proof. */
  holds(token: RefreshTokenWithFamily, clientId: string, now: number, jkt?: string | null): boolean;
  refusal(token: RefreshTokenWithFamily): RotationRefusal;
  /** Whether the SQL reads the updated row (`names.row`) rather than the token as read. */
  onRow: boolean;
  sql(names: RotationSqlNames): string;
}

/**
 * The family's user is still there, enabled, and has neither been disabled nor changed password
 * since the family began (its token epoch did not move): read as `user_active` with the token.
 */
export const USER_ACTIVE_SQL = '(u.id IS NOT NULL AND u.disabled_at IS NULL AND u.token_epoch = f.user_epoch)';

/**
 * May this refresh token be rotated? Every condition, once, in the order its refusal is reported
 * (RFC 6749 10.4, RFC 9700 4.14 and RFC 9449 5): bound to the presenting client and, for a DPoP-bound
 * family, to the key the request proved (checked before anything else is told about the token, and
 * before use, so that a token presented without its key is never rotated, nor taken for a replay and its
 * family revoked), neither family nor token revoked,
 * the grant's user unchanged, neither the idle nor the family's absolute expiry reached, unused.
 */
export const ROTATION_CONDITIONS: readonly RotationCondition[] = [
  {
    name: 'bound to the presenting client',
    holds: (t, clientId) => t.family_client_id === clientId,
    refusal: () => 'unknown',
    onRow: false,
    sql: (n) => `${n.read}.family_client_id = ${n.clientId}`,
  },
  {
    name: "bound to the family's DPoP key, if any",
    holds: (t, _, __, jkt) => t.family_dpop_jkt == null || t.family_dpop_jkt === jkt,
    refusal: () => 'dpop_key_mismatch',
    onRow: false,
    // Without a proof the comparison is NULL, so a bound family's token is not rotated.
    sql: (n) => `(${n.read}.family_dpop_jkt IS NULL OR ${n.read}.family_dpop_jkt = ${n.jkt ?? 'NULL'})`,
  },
  {
    name: 'family not revoked',
    holds: (t) => t.family_revoked_at === null,
    refusal: () => 'revoked',
    onRow: false,
    sql: (n) => `${n.read}.family_revoked_at IS NULL`,
  },
  {
    name: 'token not revoked',
    holds: (t) => t.revoked_at === null,
    refusal: (t) => (t.revoked_reason === SUPERSEDED ? 'replayed' : 'revoked'),
    onRow: true,
    sql: (n) => `${n.row}.revoked_at IS NULL`,
  },
  {
    name: "user enabled at the family's token epoch",
    holds: (t) => t.user_active,
    refusal: () => 'user_changed',
    onRow: false,
    sql: (n) => `${n.read}.user_active`,
  },
  {
    name: 'idle expiry not reached',
    holds: (t, _, now) => now < t.expires_at,
    refusal: () => 'expired',
    onRow: false,
    sql: (n) => `${n.read}.expires_at > ${n.now}`,
  },
  {
    name: 'family absolute expiry not reached',
    holds: (t, _, now) => now < t.family_expires_at,
    refusal: () => 'expired',
    onRow: false,
    sql: (n) => `${n.read}.family_expires_at > ${n.now}`,
  },
  {
    name: 'not used',
    holds: (t) => t.used_at === null,
    refusal: () => 'used',
    onRow: true,
    sql: (n) => `${n.row}.used_at IS NULL`,
  },
];

/**
 * The refusal of the first condition the token fails; null when it may be rotated. `jkt`: the
 * thumbprint of the DPoP key the request proved, if it carried a proof.
 */
export function rotationRefusal(
  token: RefreshTokenWithFamily | null,
  clientId: string,
  now: number,
  jkt: string | null = null,
): RotationRefusal | null {
  if (!token) return 'unknown';
  for (const condition of ROTATION_CONDITIONS)
    if (!condition.holds(token, clientId, now, jkt)) return condition.refusal(token);
  return null;
}

export function isRotatable(
  token: RefreshTokenWithFamily,
  clientId: string,
  now: number,
  jkt: string | null = null,
): boolean {
  return ROTATION_CONDITIONS.every((condition) => condition.holds(token, clientId, now, jkt));
}

/** Every condition as one SQL predicate: the statements that read and rotate at once (PostgreSQL). */
export function rotatableSql(names: RotationSqlNames): string {
  return ROTATION_CONDITIONS.map((c) => c.sql(names)).join(' AND ');
}

/**
 * The conditions on the token's own row, as the predicate of an UPDATE of `table`: the re-check of
 * a rotation whose token was read (and checked with `isRotatable`) before.
 */
export function rowRotatableSql(table: string): string {
  const names = { read: table, row: table, clientId: 'NULL', now: 'NULL' };
  return ROTATION_CONDITIONS.filter((c) => c.onRow)
    .map((c) => c.sql(names))
    .join(' AND ');
}
