import type { RefreshTokenKey } from '#oauth';
import type { DataSource, QueryRunner } from 'typeorm';
import type { DatabaseHandle } from '../database-handle.js';
import {
  type CodeRedemption,
  type PresentedRotation,
  type Reissue,
  FamilyFilter,
  filterSql,
  type SuccessorDraft,
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
  positional,
} from './refresh-token.sql.js';
import {
  QUEUE_FOR_CLIENT,
  QUEUE_FOR_FAMILY,
  type RevokedFamilyRow,
  bulkOutboxParams,
  familyOutboxParams,
} from './security-event.sql.js';
import { PostgresRotationBatch, rotationStatements } from './postgres-rotation-batch.js';
import { rowRotatableSql } from './rotation-rule.js';

type Params = object;

const INSTANT_FIELDS = [
  'issued_at',
  'expires_at',
  'used_at',
  'revoked_at',
  'family_expires_at',
  'family_revoked_at',
] as const;

/**
 * PostgreSQL: row-level locking makes the conditional UPDATE safe across instances. The
 * rotation is one statement (a CTE whose UPDATE ... RETURNING feeds the INSERT), so it is
 * atomic without an explicit transaction; the rotations of one turn of the event loop share one
 * statement and one round trip (PostgresRotationBatch).
 */
export class PostgresRefreshTokenRepository extends RefreshTokenRepository {
  private readonly rotations: PostgresRotationBatch;

  constructor(
    private readonly dataSource: DataSource,
    handle: DatabaseHandle,
  ) {
    super();
    this.rotations = new PostgresRotationBatch(() => handle.pool, rotationStatements(handle.poolSize));
  }

  /**
   * By hash, whatever the token's shape: PostgreSQL keeps the unique index over `token_hash` (decision 9:
   * finding by the id the token carries measured slower here), and a hash names one token value, id
   * included.
   */
  async find(key: RefreshTokenKey): Promise<RefreshTokenWithFamily | null> {
    return this.findOne(`${SELECT_TOKEN_WITH_FAMILY} WHERE t.token_hash = $hash`, { hash: key.hash });
  }

  async findById(id: string): Promise<RefreshTokenWithFamily | null> {
    return this.findOne(`${SELECT_TOKEN_WITH_FAMILY} WHERE t.id = $key`, { key: id });
  }

  async familyStands(familyId: string, now: number): Promise<boolean> {
    return (await this.single(FAMILY_STANDS.replace('$now', '$now::bigint'), { id: familyId, now })).length === 1;
  }

  async createFamily(family: NewFamily, token: NewRefreshToken): Promise<boolean> {
    return this.inTransaction(async (q) => {
      if ((await run(q, INSERT_FAMILY_LOCKING, family)).length !== 1) return false;
      await run(q, INSERT_TOKEN, token);
      return true;
    });
  }

  async redeemAuthorizationCode(
    codeId: string,
    now: number,
    family: NewFamily,
    token: NewRefreshToken | null,
  ): Promise<CodeRedemption> {
    return this.inTransaction(async (q): Promise<CodeRedemption> => {
      // The user first (locked until commit), so that a changed user writes nothing.
      if ((await run(q, USER_AT_EPOCH, { id: family.subject, user_epoch: family.user_epoch })).length !== 1)
        return 'user_changed';
      const redeemed = await run(q, `${REDEEM_CODE.replace('$now', '$now::bigint')} RETURNING id`, {
        id: codeId,
        now,
        family_id: family.id,
      });
      if (redeemed.length !== 1) return 'already_used';
      await run(q, INSERT_FAMILY, family);
      if (token) await run(q, INSERT_TOKEN, token);
      return 'redeemed';
    });
  }

  /**
   * One statement per round of the event loop for all the rotations queued in it
   * (PostgresRotationBatch): read each token with its family, mark it used if it is rotatable,
   * insert its successor; prepared once per connection.
   */
  override async rotatePresented(key: RefreshTokenKey, now: number, draft: SuccessorDraft): Promise<PresentedRotation> {
    const row = await this.rotations.rotate({ tokenHash: key.hash, now, draft });
    if (!row) return { token: null, rotated: false };
    const { rotated, ...token } = row;
    return { token: instants(token), rotated: rotated === true };
  }

  async rotate(
    presentedId: string,
    now: number,
    successor: NewRefreshToken,
    usedFrom?: RequestOrigin,
  ): Promise<boolean> {
    const rows = await this.single(ROTATE, { ...successor, ...usedColumns(usedFrom), presented_id: presentedId, now });
    return rows.length === 1;
  }

  /**
   * The family's row is locked first, so that two retries of one token take turns; superseding before
   * the check for a used successor makes a concurrent rotation of that successor either finish first
   * (and be seen) or find its token revoked.
   */
  async reissue(successor: NewRefreshToken, now: number): Promise<Reissue> {
    const siblings = { family_id: successor.family_id, parent_id: successor.parent_id, now };
    try {
      return await this.inTransaction(async (q): Promise<Reissue> => {
        if ((await run(q, LOCK_ACTIVE_FAMILY, { id: successor.family_id })).length !== 1) return 'revoked';
        await run(q, SUPERSEDE_SIBLINGS, siblings);
        if ((await run(q, SUCCESSOR_USED, siblings)).length > 0) throw REPLAY;
        await run(q, INSERT_TOKEN, successor);
        return 'reissued';
      });
    } catch (e) {
      if (e === REPLAY) return 'replay';
      throw e;
    }
  }

  async touch(id: string, now: number, expiresAt: number): Promise<boolean> {
    const rows = await this.single(TOUCH, { id, now, expires_at: expiresAt });
    return rows.length === 1;
  }

  async revokeFamily(familyId: string, { reason, now, audit, events, replay }: FamilyRevocation): Promise<boolean> {
    return this.inTransaction(async (q) => {
      const params = { id: familyId, now, reason };
      const changed = (await run(q, REVOKE_FAMILY, { ...params, ...replayColumns(now, replay) })).length === 1;
      await run(q, REVOKE_FAMILY_TOKENS, params);
      if (changed && events)
        events.queued += (await run(q, QUEUE_FOR_FAMILY, familyOutboxParams(events, familyId, now))).length;
      if (changed) await run(q, INSERT_AUDIT, audit);
      return changed;
    });
  }

  async revokeMatching(filter: FamilyFilter, { reason, now, audit, events }: Revocation): Promise<number> {
    const where = filterSql(filter);
    const params = { ...filter, now, reason };
    return this.inTransaction(async (q) => {
      const families = (await run(
        q,
        `UPDATE refresh_token_family SET revoked_at = $now::bigint, revoked_reason = $reason
         WHERE revoked_at IS NULL AND expires_at > $now::bigint${where} RETURNING id, client_id, subject`,
        params,
      )) as RevokedFamilyRow[];
      await run(
        q,
        `UPDATE refresh_token SET revoked_at = $now::bigint, revoked_reason = $reason WHERE revoked_at IS NULL${where}`,
        params,
      );
      if (events)
        for (const row of bulkOutboxParams(events, families, now))
          events.queued += (await run(q, QUEUE_FOR_CLIENT, row)).length;
      await run(q, INSERT_AUDIT, { ...audit, reason: `${audit.reason ?? ''} (${families.length} families)`.trim() });
      return families.length;
    });
  }

  private async single(sql: string, params: Params): Promise<unknown[]> {
    const q = this.dataSource.createQueryRunner();
    try {
      return await run(q, sql, params);
    } finally {
      await q.release();
    }
  }

  private async inTransaction<T>(work: (q: QueryRunner) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => work(m.queryRunner as QueryRunner));
  }

  private async findOne(sql: string, params: Params): Promise<RefreshTokenWithFamily | null> {
    const rows = (await this.single(sql, params)) as Record<string, unknown>[];
    return rows.length === 0 ? null : instants(rows[0]);
  }
}

/** bigint columns arrive as strings from pg; instants are numbers everywhere else. */
function instants(row: Record<string, unknown>): RefreshTokenWithFamily {
  for (const field of INSTANT_FIELDS) if (row[field] !== null) row[field] = Number(row[field]);
  return row as unknown as RefreshTokenWithFamily;
}

const compiled = new Map<string, { text: string; names: string[] }>();

/** Runs `sql` with named parameters; answers the returned rows whatever the command. */
async function run(q: QueryRunner, sql: string, params: Params): Promise<unknown[]> {
  let statement = compiled.get(sql);
  if (!statement) compiled.set(sql, (statement = positional(sql)));
  const result = await q.query(
    statement.text,
    statement.names.map((n) => (params as Record<string, unknown>)[n] ?? null),
    true,
  );
  return (result.records ?? []) as unknown[];
}

const ROTATE = `WITH used AS (
    UPDATE refresh_token SET used_at = $now::bigint, last_used_at = $now::bigint, used_address = $used_address,
      used_user_agent = $used_user_agent
    WHERE id = $presented_id AND ${rowRotatableSql('refresh_token')}
    RETURNING id, family_id)
  INSERT INTO refresh_token (id, family_id, parent_id, client_id, subject, token_hash, scope, issued_at, expires_at)
  SELECT $id, used.family_id, used.id, $client_id, $subject, $token_hash, $scope, $issued_at::bigint, $expires_at::bigint
  FROM used
  RETURNING id`;

/** Rolls back a reissue that found a used successor (nothing it superseded stays revoked). */
const REPLAY = Symbol('replay');

const INSERT_FAMILY_LOCKING = `${INSERT_FAMILY} FOR SHARE RETURNING id`;

const USER_AT_EPOCH = `SELECT 1 AS ok FROM app_user
  WHERE id = $id AND disabled_at IS NULL AND token_epoch = $user_epoch::integer FOR SHARE`;

const LOCK_ACTIVE_FAMILY = `SELECT id FROM refresh_token_family WHERE id = $id AND revoked_at IS NULL FOR UPDATE`;

const TOUCH = `UPDATE refresh_token SET last_used_at = $now::bigint, expires_at = $expires_at::bigint
  WHERE id = $id AND revoked_at IS NULL RETURNING id`;

const REVOKE_FAMILY = `UPDATE refresh_token_family SET revoked_at = $now::bigint, revoked_reason = $reason,
    replayed_token_id = $replayed_token_id, replayed_at = $replayed_at::bigint, replayed_address = $replayed_address,
    replayed_user_agent = $replayed_user_agent
  WHERE id = $id AND revoked_at IS NULL RETURNING id`;

const REVOKE_FAMILY_TOKENS = `UPDATE refresh_token SET revoked_at = $now::bigint, revoked_reason = $reason
  WHERE family_id = $id AND revoked_at IS NULL RETURNING id`;
