import type { RefreshTokenKey } from '#oauth';
import {
  type CodeRedemption,
  type FamilyFilter,
  type NewFamily,
  type NewRefreshToken,
  type Reissue,
  RefreshTokenRepository,
  type RefreshTokenWithFamily,
  type FamilyRevocation,
  type Revocation,
  replayColumns,
  usedColumns,
} from '../repositories/refresh-token.repository.js';
import type { RequestOrigin } from '../request-origin.js';
import { ROTATION_CONDITIONS, SUPERSEDED } from '../repositories/rotation-rule.js';
import type { FakeAuditEventRepository } from './fake-audit-event.repository.js';
import type { FakeAuthorizationCodeRepository } from './fake-authorization-code.repository.js';
import type { FakeSecurityEventRepository } from './fake-security-event.repository.js';
import type { FakeUserRepository } from './fake-user.repository.js';
import { uniqueViolation } from './in-memory-table.js';

export interface StoredFamily extends NewFamily {
  revoked_at: number | null;
  revoked_reason: string | null;
  replayed_token_id: string | null;
  replayed_at: number | null;
  replayed_address: string | null;
  replayed_user_agent: string | null;
}

export interface StoredRefreshToken extends NewRefreshToken {
  used_at: number | null;
  used_address: string | null;
  used_user_agent: string | null;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
}

/** The conditions the rotating UPDATE re-checks on the token's own row (`rowRotatableSql`). */
const ON_ROW = ROTATION_CONDITIONS.filter((c) => c.onRow);

/**
 * Refresh tokens and their families in memory, over the user, code and audit fakes (the tables the
 * SQL joins or writes in the same transaction). Every method runs to completion without awaiting, so
 * each is atomic as the SQLite repository's are. Whether a token may rotate is the rotation rule's
 * (rotation-rule.ts): `rotatePresented` is the base class's `isRotatable`, and `rotate` re-checks the
 * rule's conditions on the row, as `rowRotatableSql` does in SQL.
 */
export class FakeRefreshTokenRepository extends RefreshTokenRepository {
  private readonly families = new Map<string, StoredFamily>();
  private readonly tokens = new Map<string, StoredRefreshToken>();

  constructor(
    private readonly users: FakeUserRepository,
    private readonly codes: FakeAuthorizationCodeRepository,
    private readonly audit: FakeAuditEventRepository,
    private readonly securityEvents?: FakeSecurityEventRepository,
  ) {
    super();
  }

  /** The stored family as it is now. */
  family(id: string): Readonly<StoredFamily> | undefined {
    return this.families.get(id);
  }

  /** The stored token as it is now. */
  token(id: string): Readonly<StoredRefreshToken> | undefined {
    return this.tokens.get(id);
  }

  /** The stored families that `where` holds for, in the order they were created. */
  familiesWhere(where: (family: StoredFamily) => boolean): Readonly<StoredFamily>[] {
    return [...this.families.values()].filter(where);
  }

  /** The family's tokens in the order they were issued. */
  tokensOf(familyId: string): Readonly<StoredRefreshToken>[] {
    return [...this.tokens.values()].filter((t) => t.family_id === familyId);
  }

  async find(key: RefreshTokenKey): Promise<RefreshTokenWithFamily | null> {
    // Only tokens the server mints now are stored here, and those carry their row id: no legacy hash matches.
    if (key.legacy) return null;
    const token = this.tokens.get(key.id);
    return token && token.token_hash === key.hash ? this.joined(token) : null;
  }

  async findById(id: string): Promise<RefreshTokenWithFamily | null> {
    const token = this.tokens.get(id);
    return token ? this.joined(token) : null;
  }

  async familyStands(familyId: string, now: number): Promise<boolean> {
    const family = this.families.get(familyId);
    return family !== undefined && family.revoked_at === null && family.expires_at > now;
  }

  async createFamily(family: NewFamily, token: NewRefreshToken): Promise<boolean> {
    if (!this.users.activeAtEpoch(family.subject, family.user_epoch)) return false;
    this.insertFamily(family);
    this.insertToken(token);
    return true;
  }

  async redeemAuthorizationCode(
    codeId: string,
    now: number,
    family: NewFamily,
    token: NewRefreshToken | null,
  ): Promise<CodeRedemption> {
    if (!this.users.activeAtEpoch(family.subject, family.user_epoch)) return 'user_changed';
    if (!this.codes.redeem(codeId, now, family.id)) return 'already_used';
    this.insertFamily(family);
    if (token) this.insertToken(token);
    return 'redeemed';
  }

  async rotate(
    presentedId: string,
    now: number,
    successor: NewRefreshToken,
    usedFrom?: RequestOrigin,
  ): Promise<boolean> {
    const presented = this.tokens.get(presentedId);
    if (!presented) return false;
    const view = this.joined(presented);
    if (!ON_ROW.every((c) => c.holds(view, view.family_client_id, now))) return false;
    this.tokens.set(presentedId, { ...presented, used_at: now, last_used_at: now, ...usedColumns(usedFrom) });
    this.insertToken(successor);
    return true;
  }

  async reissue(successor: NewRefreshToken, now: number): Promise<Reissue> {
    if (this.families.get(successor.family_id)?.revoked_at !== null) return 'revoked';
    const siblings = [...this.tokens.values()].filter(
      (t) => t.family_id === successor.family_id && t.parent_id === successor.parent_id,
    );
    if (siblings.some((t) => t.used_at !== null)) return 'replay';
    for (const sibling of siblings) if (sibling.revoked_at === null) this.revokeToken(sibling, now, SUPERSEDED);
    this.insertToken(successor);
    return 'reissued';
  }

  async touch(id: string, now: number, expiresAt: number): Promise<boolean> {
    const token = this.tokens.get(id);
    if (!token || token.revoked_at !== null) return false;
    this.tokens.set(id, { ...token, last_used_at: now, expires_at: expiresAt });
    return true;
  }

  async revokeMatching(filter: FamilyFilter, { reason, now, audit, events }: Revocation): Promise<number> {
    const matches = (row: { subject: string; client_id: string }) =>
      (filter.subject === undefined || row.subject === filter.subject) &&
      (filter.client_id === undefined || row.client_id === filter.client_id);
    let count = 0;
    const revoked = new Map<string, { client_id: string; subject: string; family_ids: string[] }>();
    for (const family of this.families.values()) {
      if (family.revoked_at !== null || family.expires_at <= now || !matches(family)) continue;
      this.families.set(family.id, { ...family, revoked_at: now, revoked_reason: reason });
      count += 1;
      const key = JSON.stringify([family.client_id, family.subject]);
      const group = revoked.get(key) ?? { client_id: family.client_id, subject: family.subject, family_ids: [] };
      group.family_ids.push(family.id);
      revoked.set(key, group);
    }
    if (events) for (const group of revoked.values()) this.securityEvents?.append(events, group, now);
    for (const token of this.tokens.values())
      if (token.revoked_at === null && matches(token)) this.revokeToken(token, now, reason);
    this.audit.append({ ...audit, reason: `${audit.reason ?? ''} (${count} families)`.trim() });
    return count;
  }

  async revokeFamily(familyId: string, { reason, now, audit, events, replay }: FamilyRevocation): Promise<boolean> {
    const family = this.families.get(familyId);
    const changed = family !== undefined && family.revoked_at === null;
    if (changed)
      this.families.set(familyId, {
        ...family,
        revoked_at: now,
        revoked_reason: reason,
        ...replayColumns(now, replay),
      });
    for (const token of this.tokensOf(familyId)) if (token.revoked_at === null) this.revokeToken(token, now, reason);
    if (changed) this.audit.append(audit);
    if (changed && events)
      this.securityEvents?.append(
        events,
        { client_id: family.client_id, subject: family.subject, family_ids: [familyId] },
        now,
      );
    return changed;
  }

  /** SELECT_TOKEN_WITH_FAMILY: the token, its family's columns, and whether the family's user is still active. */
  private joined(token: StoredRefreshToken): RefreshTokenWithFamily {
    const family = this.families.get(token.family_id);
    if (!family) throw new Error(`refresh token ${token.id} has no family ${token.family_id}`);
    return {
      id: token.id,
      family_id: token.family_id,
      parent_id: token.parent_id,
      scope: token.scope,
      issued_at: token.issued_at,
      expires_at: token.expires_at,
      used_at: token.used_at,
      revoked_at: token.revoked_at,
      revoked_reason: token.revoked_reason,
      family_client_id: family.client_id,
      family_subject: family.subject,
      family_scope: family.scope,
      family_expires_at: family.expires_at,
      family_revoked_at: family.revoked_at,
      family_dpop_jkt: family.dpop_jkt ?? null,
      user_active: this.users.activeAtEpoch(family.subject, family.user_epoch),
    };
  }

  private insertFamily(family: NewFamily): void {
    if (this.families.has(family.id)) throw uniqueViolation(`refresh_token_family.id ${family.id}`);
    this.families.set(family.id, { ...family, revoked_at: null, revoked_reason: null, ...replayColumns(0, undefined) });
  }

  private insertToken(token: NewRefreshToken): void {
    if (this.tokens.has(token.id)) throw uniqueViolation(`refresh_token.id ${token.id}`);
    if (!this.families.has(token.family_id)) throw new Error(`foreign key: no family ${token.family_id}`);
    this.tokens.set(token.id, {
      ...token,
      used_at: null,
      ...usedColumns(undefined),
      last_used_at: null,
      revoked_at: null,
      revoked_reason: null,
    });
  }

  private revokeToken(token: StoredRefreshToken, now: number, reason: string): void {
    this.tokens.set(token.id, { ...token, revoked_at: now, revoked_reason: reason });
  }
}
