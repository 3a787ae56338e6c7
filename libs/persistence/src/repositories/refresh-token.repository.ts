import type { RefreshTokenKey } from '#oauth';
import type { RequestOrigin } from '../request-origin.js';
import { isRotatable } from './rotation-rule.js';
import type { SecurityEventDraft } from './security-event.repository.js';

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
  revoked_reason: string | null;
  family_client_id: string;
  family_subject: string;
  family_scope: string;
  family_expires_at: number;
  family_revoked_at: number | null;
  /** The family's user is still there and enabled, and its token epoch has not moved since the family began. */
  user_active: boolean;
  /** RFC 9449: the thumbprint of the DPoP key every refresh of the family must prove; null when unbound. */
  family_dpop_jkt: string | null;
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

/** What a successor needs beyond what the presented token gives it (family, parent, subject, scope). */
export interface SuccessorDraft {
  id: string;
  client_id: string;
  token_hash: string;
  /** The successor's idle expiry; capped by the family's absolute expiry when stored. */
  idle_expires_at: number;
  /**
   * The thumbprint of the DPoP key the refresh request proved (RFC 9449), when it carried a proof: a
   * token of a bound family is rotated only with its family's key (rotation-rule.ts).
   */
  dpop_jkt?: string | null;
  /**
   * Where the request rotating the parent came from (`requestOrigin`, already bounded): stored on the
   * parent by the statement that marks it used, so the family's lineage shows who used each token.
   */
  used_from?: RequestOrigin;
}

/**
 * RFC 9700 4.14: what a replay that revokes a family leaves on it, written by the statement that revokes
 * (so only the first replay, the one that revokes, is kept).
 */
export interface ReplayEvidence {
  /** The refresh token presented again; null when the replay was of the authorization code. */
  token_id: string | null;
  from: RequestOrigin;
}

export interface PresentedRotation {
  /** The presented token as it was read (before this rotation), or null when no token matches the key. */
  token: RefreshTokenWithFamily | null;
  /** True when the token was rotated into the drafted successor. */
  rotated: boolean;
}

/** The stored successor of `parent` from a draft: same family, subject and scope; never outlives the family. */
export function successorOf(parent: RefreshTokenWithFamily, draft: SuccessorDraft, now: number): NewRefreshToken {
  return {
    id: draft.id,
    family_id: parent.family_id,
    parent_id: parent.id,
    client_id: draft.client_id,
    subject: parent.family_subject,
    token_hash: draft.token_hash,
    scope: parent.scope,
    issued_at: now,
    expires_at: Math.min(draft.idle_expires_at, parent.family_expires_at),
  };
}

export interface NewFamily {
  id: string;
  client_id: string;
  subject: string;
  scope: string;
  created_at: number;
  expires_at: number;
  /** The user's token epoch read before the password was verified: creation fails once it moved. */
  user_epoch: number;
  /** RFC 9449: the DPoP key (RFC 7638 thumbprint) every refresh of the family must prove; null or absent: unbound. */
  dpop_jkt?: string | null;
}

/** How a redemption of an authorization code ended. */
export type CodeRedemption = 'redeemed' | 'already_used' | 'user_changed';

/** How a retry within the reuse interval ended: a new successor, a revoked family, or a replay. */
export type Reissue = 'reissued' | 'revoked' | 'replay';

/** The family row's replay columns for a revocation at `now`: all null when it is not for a replay. */
export function replayColumns(now: number, replay: ReplayEvidence | undefined) {
  return {
    replayed_token_id: replay?.token_id ?? null,
    replayed_at: replay ? now : null,
    replayed_address: replay?.from.address ?? null,
    replayed_user_agent: replay?.from.user_agent ?? null,
  };
}

/** The token row's columns of where the request that uses it came from: null when unknown. */
export function usedColumns(from: RequestOrigin | undefined) {
  return { used_address: from?.address ?? null, used_user_agent: from?.user_agent ?? null };
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

/**
 * What a revocation writes beside the rows it revokes: the `reason` stored on each, when, the audit record (a
 * revocation is never without its record) and, for clients with a security_event_endpoint, their `events`.
 */
export interface Revocation {
  reason: string;
  now: number;
  audit: AuditRecord;
  events?: SecurityEventDraft;
}

/** A family's revocation; one for a replay stores its `replay` evidence on the family. */
export interface FamilyRevocation extends Revocation {
  replay?: ReplayEvidence;
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
  /**
   * The token a presented value names: the row whose stored hash is the key's (the SHA-256 of the whole
   * value, so an id with a wrong secret finds nothing). SQLite reaches it through the id the key carries,
   * or for a token issued before ids were embedded through its legacy hash; PostgreSQL through the
   * unique index over the hash (decision 9).
   */
  abstract find(key: RefreshTokenKey): Promise<RefreshTokenWithFamily | null>;
  abstract findById(id: string): Promise<RefreshTokenWithFamily | null>;
  /** Whether the family stands at `now`: it exists, is not revoked and its absolute expiry has not passed. */
  abstract familyStands(familyId: string, now: number): Promise<boolean>;
  /**
   * Stores a new family with its first token, in one transaction; false (nothing stored) when the
   * user is gone, disabled, or its token epoch is no longer `family.user_epoch`.
   */
  abstract createFamily(family: NewFamily, token: NewRefreshToken): Promise<boolean>;
  /**
   * Marks the authorization code used, records the family it becomes, and stores that family with
   * its first refresh token (if any), in one transaction. Nothing is written when the code was used
   * already, or when the family cannot be created (`createFamily`).
   */
  abstract redeemAuthorizationCode(
    codeId: string,
    now: number,
    family: NewFamily,
    token: NewRefreshToken | null,
  ): Promise<CodeRedemption>;
  /**
   * Marks `presentedId` used (with `usedFrom`, where the request came from) and inserts `successor`,
   * atomically; false when the token was already used or revoked (nothing is written then).
   */
  abstract rotate(
    presentedId: string,
    now: number,
    successor: NewRefreshToken,
    usedFrom?: RequestOrigin,
  ): Promise<boolean>;
  /**
   * The refresh grant's common case: finds the presented token (`find`) and, when `isRotatable` (rotation-rule.ts),
   * rotates it into the drafted successor, atomically. Answers the token as read either way, so that
   * the caller can tell why it was not rotated. PostgreSQL does it in one statement.
   */
  async rotatePresented(key: RefreshTokenKey, now: number, draft: SuccessorDraft): Promise<PresentedRotation> {
    const token = await this.find(key);
    if (!token || !isRotatable(token, draft.client_id, now, draft.dpop_jkt ?? null)) return { token, rotated: false };
    return { token, rotated: await this.rotate(token.id, now, successorOf(token, draft, now), draft.used_from) };
  }
  /**
   * Another successor of an already rotated token (`successor.parent_id`, reuse interval), atomically:
   * the earlier unused successors of that token are revoked as superseded, so the family keeps one live
   * token. `replay` (nothing written) when a successor of it was used already; `revoked` when the family is.
   */
  abstract reissue(successor: NewRefreshToken, now: number): Promise<Reissue>;
  /** Records use of a token that is not rotated and slides its idle expiry; false when revoked. */
  abstract touch(id: string, now: number, expiresAt: number): Promise<boolean>;
  /**
   * Revokes every active (unrevoked, unexpired) family matching the filter, and their tokens, in
   * one transaction with `audit` and with the `events` for the clients (with a security_event_endpoint)
   * whose families it revoked, one per client and subject; answers the number of families revoked.
   */
  abstract revokeMatching(filter: FamilyFilter, revocation: Revocation): Promise<number>;
  /**
   * Revokes the family and every token in it; records `audit` (a revocation is never without its record), and the `events` for the family's client
   * when it has a security_event_endpoint, in the same transaction (nothing when it was revoked already).
   * A revocation for a replay stores its `replay` evidence on the family, in the statement that revokes it.
   */
  abstract revokeFamily(familyId: string, revocation: FamilyRevocation): Promise<boolean>;
}
