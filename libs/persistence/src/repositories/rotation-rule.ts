import type { RefreshTokenWithFamily } from './refresh-token.repository.js';

/** A token's own revocation reason (its family lives on): replaced by a retry within the reuse interval. */
export const SUPERSEDED = 'superseded';

/**
 * Why a presented token may not be rotated: the first condition it fails, in the order of
 * ROTATION_CONDITIONS. `replayed` is a token a retry replaced (handed out, so presenting it is a
 * replay); `used` is a token rotated before (a retry within the reuse interval, or a replay).
 */
export type RotationRefusal = 'unknown' | 'revoked' | 'replayed' | 'user_changed' | 'expired' | 'used';

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
}

export interface RotationCondition {
  /** What must hold, for tests and messages. */
  name: string;
  holds(token: RefreshTokenWithFamily, clientId: string, now: number): boolean;
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
 * (RFC 6749 10.4 and RFC 9700 4.14): bound to the presenting client, neither family nor token revoked,
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

/** The refusal of the first condition the token fails; null when it may be rotated. */
export function rotationRefusal(
  token: RefreshTokenWithFamily | null,
  clientId: string,
  now: number,
): RotationRefusal | null {
  if (!token) return 'unknown';
  for (const condition of ROTATION_CONDITIONS)
    if (!condition.holds(token, clientId, now)) return condition.refusal(token);
  return null;
}

export function isRotatable(token: RefreshTokenWithFamily, clientId: string, now: number): boolean {
  return ROTATION_CONDITIONS.every((condition) => condition.holds(token, clientId, now));
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
