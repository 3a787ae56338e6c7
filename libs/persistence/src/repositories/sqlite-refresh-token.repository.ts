import type { Database, Statement } from 'better-sqlite3';
import type { RefreshTokenKey } from '#oauth';
import {
  type CodeRedemption,
  type Reissue,
  FamilyFilter,
  filterSql,
  NewFamily,
  NewRefreshToken,
  RefreshTokenRepository,
  RefreshTokenWithFamily,
  type FamilyRevocation,
  type Revocation,
  replayColumns,
  usedColumns,
} from './refresh-token.repository.js';
import type { RequestOrigin } from '../request-origin.js';
import {
  INSERT_AUDIT,
  INSERT_FAMILY,
  FAMILY_STANDS,
  INSERT_TOKEN,
  REDEEM_CODE,
  SELECT_TOKEN_WITH_FAMILY,
  SUCCESSOR_USED,
  SUPERSEDE_SIBLINGS,
} from './refresh-token.sql.js';
import {
  QUEUE_FOR_CLIENT,
  QUEUE_FOR_FAMILY,
  type RevokedFamilyRow,
  bulkOutboxParams,
  familyOutboxParams,
} from './security-event.sql.js';
import { SqliteWriteBatch } from './sqlite-write-batch.js';
import { rowRotatableSql } from './rotation-rule.js';

/**
 * better-sqlite3 runs each unit of work synchronously, so no other request can interleave
 * with it: the conditional UPDATE plus INSERT is atomic by construction. The writes of the
 * token endpoint go through one group commit per turn of the event loop (SqliteWriteBatch).
 */
export class SqliteRefreshTokenRepository extends RefreshTokenRepository {
  private readonly byIdAndHash: Statement;
  private readonly byLegacyHash: Statement;
  private readonly byId: Statement;
  private readonly familyStanding: Statement;
  private readonly insertFamily: Statement;
  private readonly insertToken: Statement;
  private readonly markUsed: Statement;
  private readonly familyActive: Statement;
  private readonly touchToken: Statement;
  private readonly revokeFamilyRow: Statement;
  private readonly revokeFamilyTokens: Statement;
  private readonly insertAudit: Statement;
  private readonly queueForFamily: Statement;
  private readonly queueForClient: Statement;
  private readonly redeemCode: Statement;
  private readonly supersede: Statement;
  private readonly userAtEpoch: Statement;
  private readonly successorUsed: Statement;
  private readonly batch: SqliteWriteBatch;

  constructor(private readonly db: Database) {
    super();
    this.batch = new SqliteWriteBatch(db);
    const named = (sql: string) => db.prepare(sql.replace(/\$(\w+)/g, '@$1'));
    // Decision 9: by the id the token carries, accepted only with the hash of the whole value; tokens
    // minted before ids were embedded by their hash, under a partial index that holds only them.
    // Decision 17: the unary plus. A bare parameter compared with a column of this three-table join made
    // SQLite prepare the statement again at every execution (its planner had read the bound value, so a
    // new value expires the plan): 107.7 µs a lookup instead of 40.6 (bench/sqlite-lookup.mjs). `+$id` is
    // the same value and the same index search.
    this.byIdAndHash = named(`${SELECT_TOKEN_WITH_FAMILY} WHERE t.id = +$id AND t.token_hash = +$hash`);
    this.byLegacyHash = named(`${SELECT_TOKEN_WITH_FAMILY} WHERE t.legacy_token_hash = +$hash`);
    this.byId = named(`${SELECT_TOKEN_WITH_FAMILY} WHERE t.id = +$key`);
    this.familyStanding = named(FAMILY_STANDS);
    this.insertFamily = named(INSERT_FAMILY);
    this.insertToken = named(INSERT_TOKEN);
    this.insertAudit = named(INSERT_AUDIT);
    this.queueForFamily = named(QUEUE_FOR_FAMILY);
    this.queueForClient = named(QUEUE_FOR_CLIENT);
    this.redeemCode = named(REDEEM_CODE);
    this.supersede = named(SUPERSEDE_SIBLINGS);
    this.userAtEpoch = named(
      'SELECT 1 AS ok FROM app_user WHERE id = $id AND disabled_at IS NULL AND token_epoch = $user_epoch',
    );
    this.successorUsed = named(SUCCESSOR_USED);
    this.markUsed = named(
      `UPDATE refresh_token SET used_at = $now, last_used_at = $now, used_address = $used_address,
       used_user_agent = $used_user_agent WHERE id = $id AND ${rowRotatableSql('refresh_token')}`,
    );
    this.familyActive = named('SELECT 1 AS ok FROM refresh_token_family WHERE id = $id AND revoked_at IS NULL');
    this.touchToken = named(
      'UPDATE refresh_token SET last_used_at = $now, expires_at = $expires_at WHERE id = $id AND revoked_at IS NULL',
    );
    this.revokeFamilyRow = named(
      `UPDATE refresh_token_family SET revoked_at = $now, revoked_reason = $reason, replayed_token_id = $replayed_token_id,
       replayed_at = $replayed_at, replayed_address = $replayed_address, replayed_user_agent = $replayed_user_agent
       WHERE id = $id AND revoked_at IS NULL`,
    );
    this.revokeFamilyTokens = named(
      'UPDATE refresh_token SET revoked_at = $now, revoked_reason = $reason WHERE family_id = $id AND revoked_at IS NULL',
    );
  }

  async find(key: RefreshTokenKey): Promise<RefreshTokenWithFamily | null> {
    const found = key.legacy
      ? this.byLegacyHash.get({ hash: key.hash })
      : this.byIdAndHash.get({ id: key.id, hash: key.hash });
    return withFlags(found);
  }

  async findById(id: string): Promise<RefreshTokenWithFamily | null> {
    return withFlags(this.byId.get({ key: id }));
  }

  async familyStands(familyId: string, now: number): Promise<boolean> {
    return this.familyStanding.get({ id: familyId, now }) !== undefined;
  }

  createFamily(family: NewFamily, token: NewRefreshToken): Promise<boolean> {
    return this.batch.run(() => {
      if (this.insertFamily.run(familyRow(family)).changes !== 1) return false;
      this.insertToken.run(token);
      return true;
    });
  }

  redeemAuthorizationCode(
    codeId: string,
    now: number,
    family: NewFamily,
    token: NewRefreshToken | null,
  ): Promise<CodeRedemption> {
    return this.batch.run((): CodeRedemption => {
      // Synchronous: the user checked here is the user the family is inserted for.
      if (this.userAtEpoch.get({ id: family.subject, user_epoch: family.user_epoch }) === undefined)
        return 'user_changed';
      if (this.redeemCode.run({ id: codeId, now, family_id: family.id }).changes !== 1) return 'already_used';
      this.insertFamily.run(familyRow(family));
      if (token) this.insertToken.run(token);
      return 'redeemed';
    });
  }

  rotate(presentedId: string, now: number, successor: NewRefreshToken, usedFrom?: RequestOrigin): Promise<boolean> {
    const used = { id: presentedId, now, ...usedColumns(usedFrom) };
    return this.batch.run(() => {
      if (this.markUsed.run(used).changes !== 1) return false;
      this.insertToken.run(successor);
      return true;
    });
  }

  reissue(successor: NewRefreshToken, now: number): Promise<Reissue> {
    return this.batch.run((): Reissue => {
      if (this.familyActive.get({ id: successor.family_id }) === undefined) return 'revoked';
      const siblings = { family_id: successor.family_id, parent_id: successor.parent_id };
      if (this.successorUsed.get(siblings) !== undefined) return 'replay';
      this.supersede.run({ ...siblings, now });
      this.insertToken.run(successor);
      return 'reissued';
    });
  }

  touch(id: string, now: number, expiresAt: number): Promise<boolean> {
    return this.batch.run(() => this.touchToken.run({ id, now, expires_at: expiresAt }).changes === 1);
  }

  async revokeMatching(filter: FamilyFilter, { reason, now, audit, events }: Revocation): Promise<number> {
    const where = filterSql(filter);
    const params = { ...filter, now, reason };
    const families = this.db.prepare(
      `UPDATE refresh_token_family SET revoked_at = @now, revoked_reason = @reason
       WHERE revoked_at IS NULL AND expires_at > @now${where.replace(/\$/g, '@')}${events ? ' RETURNING id, client_id, subject' : ''}`,
    );
    const tokens = this.db.prepare(
      `UPDATE refresh_token SET revoked_at = @now, revoked_reason = @reason WHERE revoked_at IS NULL${where.replace(/\$/g, '@')}`,
    );
    return this.db.transaction(() => {
      let count: number;
      if (events) {
        const revoked = families.all(params) as RevokedFamilyRow[];
        count = revoked.length;
        for (const row of bulkOutboxParams(events, revoked, now)) events.queued += this.queueForClient.all(row).length;
      } else {
        count = families.run(params).changes;
      }
      tokens.run(params);
      this.insertAudit.run({ ...audit, reason: `${audit.reason ?? ''} (${count} families)`.trim() });
      return count;
    })();
  }

  async revokeFamily(familyId: string, { reason, now, audit, events, replay }: FamilyRevocation): Promise<boolean> {
    return this.db.transaction(() => {
      const family = { id: familyId, now, reason, ...replayColumns(now, replay) };
      const changed = this.revokeFamilyRow.run(family).changes === 1;
      this.revokeFamilyTokens.run({ id: familyId, now, reason });
      if (changed && events) events.queued += this.queueForFamily.all(familyOutboxParams(events, familyId, now)).length;
      if (changed) this.insertAudit.run(audit);
      return changed;
    })();
  }
}

/** better-sqlite3 wants every named parameter: an unbound family stores a null key. */
function familyRow(family: NewFamily): NewFamily {
  return { ...family, dpop_jkt: family.dpop_jkt ?? null };
}

/** SQLite answers the user check as 0 or 1. */
function withFlags(row: unknown): RefreshTokenWithFamily | null {
  if (row === undefined) return null;
  const token = row as RefreshTokenWithFamily;
  token.user_active = Boolean(token.user_active);
  return token;
}
