/** A refresh token joined with its family, as the refresh grant needs it. */
export interface RefreshTokenWithFamily {
  id: string;
  family_id: string;
  parent_id: string | null;
  scope: string;
  issued_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  family_client_id: string;
  family_subject: string;
  family_scope: string;
  family_expires_at: number;
  family_revoked_at: number | null;
}

export interface NewRefreshToken {
  id: string;
  family_id: string;
  parent_id: string | null;
  client_id: string;
  subject: string;
  token_hash: string;
  scope: string;
  issued_at: number;
  expires_at: number;
}

export interface NewFamily {
  id: string;
  client_id: string;
  subject: string;
  scope: string;
  created_at: number;
  expires_at: number;
}

/** At least one of subject and client_id. */
export interface FamilyFilter {
  subject?: string;
  client_id?: string;
}

/** `AND column = $column` for each filter field that is set. */
export function filterSql(filter: FamilyFilter): string {
  return (['subject', 'client_id'] as const)
    .filter((k) => filter[k] !== undefined)
    .map((k) => ` AND ${k} = $${k}`)
    .join('');
}

export interface AuditRecord {
  id: string;
  occurred_at: number;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  reason: string | null;
}

export const RevocationReason = {
  Replay: 'replay_detected',
  Admin: 'admin',
  ClientRequest: 'client_request',
  UserDisabled: 'user_disabled',
  UserDeleted: 'user_deleted',
  ClientDeleted: 'client_deleted',
  PasswordChanged: 'password_changed',
  CodeReplay: 'code_replay',
} as const;

/**
 * Storage of refresh tokens and their families. Every write that must be atomic is one
 * method here, implemented per dialect so that each is a single transaction (SQLite) or a
 * single statement where possible (PostgreSQL).
 */
export abstract class RefreshTokenRepository {
  abstract findByHash(tokenHash: string): Promise<RefreshTokenWithFamily | null>;
  abstract findById(id: string): Promise<RefreshTokenWithFamily | null>;
  /** Stores a new family with its first token, in one transaction. */
  abstract createFamily(family: NewFamily, token: NewRefreshToken): Promise<void>;
  /**
   * Marks the authorization code used, records the family it becomes, and stores that family with
   * its first refresh token (if any), in one transaction; false when the code was used already.
   */
  abstract redeemAuthorizationCode(
    codeId: string,
    now: number,
    family: NewFamily,
    token: NewRefreshToken | null,
  ): Promise<boolean>;
  /**
   * Marks `presentedId` used and inserts `successor`, atomically; false when the token was
   * already used or revoked (nothing is written then).
   */
  abstract rotate(presentedId: string, now: number, successor: NewRefreshToken): Promise<boolean>;
  /** Inserts another successor of an already rotated token (reuse interval); false when the family is revoked. */
  abstract reissue(successor: NewRefreshToken, now: number): Promise<boolean>;
  /** Records use of a token that is not rotated and slides its idle expiry; false when revoked. */
  abstract touch(id: string, now: number, expiresAt: number): Promise<boolean>;
  /**
   * Revokes every active (unrevoked, unexpired) family matching the filter, and their tokens, in
   * one transaction with `audit`; answers the number of families revoked.
   */
  abstract revokeMatching(filter: FamilyFilter, reason: string, now: number, audit: AuditRecord): Promise<number>;
  /** Revokes the family and every token in it; records `audit` in the same transaction. */
  abstract revokeFamily(familyId: string, reason: string, now: number, audit?: AuditRecord): Promise<boolean>;
}
