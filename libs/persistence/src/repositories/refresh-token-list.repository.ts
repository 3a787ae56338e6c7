import { Injectable } from '@nestjs/common';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { RefreshTokenEntity, RefreshTokenFamilyEntity } from '../entities/index.js';
import type { RequestOrigin } from '../request-origin.js';
import type { NewFamily } from './refresh-token.repository.js';
import { newestFirst } from '../keyset.js';

export const REFRESH_TOKEN_STATUSES = ['active', 'rotated', 'revoked', 'expired'] as const;
/** A token as an operator sees it: revoked (itself or its family), rotated, expired, or active. */
export type RefreshTokenStatus = (typeof REFRESH_TOKEN_STATUSES)[number];

export interface RefreshTokenListFilter {
  client_id?: string;
  subject?: string;
  family_id?: string;
  status?: RefreshTokenStatus;
  /** Issued at or after, epoch milliseconds. */
  issued_after?: number;
  /** Issued before, epoch milliseconds. */
  issued_before?: number;
}

/** One token of the list with its family's standing folded in; instants in epoch milliseconds. */
export interface RefreshTokenListItem {
  id: string;
  family_id: string;
  client_id: string;
  subject: string;
  scope: string;
  issued_at: number;
  /** The idle expiry, never after the family ends. */
  expires_at: number;
  last_used_at: number | null;
  status: RefreshTokenStatus;
  /** The token's own revocation, else its family's. */
  revoked_at: number | null;
  revoked_reason: string | null;
  /** RFC 9449: the thumbprint of the DPoP key the family is bound to; null when unbound. */
  dpop_jkt: string | null;
}

/** A family as an operator sees it: revoked, past its absolute expiry, or active. */
export const REFRESH_TOKEN_FAMILY_STATUSES = ['active', 'revoked', 'expired'] as const;
export type RefreshTokenFamilyStatus = (typeof REFRESH_TOKEN_FAMILY_STATUSES)[number];

/** One token of a family's lineage; instants in epoch milliseconds. */
export interface LineageToken {
  id: string;
  /** The token it replaced on rotation; null for the family's first. */
  parent_id: string | null;
  issued_at: number;
  /** The idle expiry, never after the family ends. */
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  status: RefreshTokenStatus;
  /** Where the request that used (rotated) it came from; null while unused, or for a token used before it was kept. */
  used_from: RequestOrigin | null;
}

/**
 * A family (the grant) with its standing at `now`, the replay that revoked it if one did (RFC 9700 4.14),
 * and every token of it in issue order (issued_at, id).
 */
export interface FamilyLineage extends Omit<NewFamily, 'user_epoch' | 'dpop_jkt'> {
  status: RefreshTokenFamilyStatus;
  revoked_at: number | null;
  revoked_reason: string | null;
  dpop_jkt: string | null;
  /** The first replay, the one that revoked the family; null otherwise. */
  replay: { token_id: string | null; presented_at: number; from: RequestOrigin } | null;
  tokens: LineageToken[];
}

interface Row {
  id: string;
  family_id: string;
  client_id: string;
  subject: string;
  scope: string;
  issued_at: string | number;
  expires_at: string | number;
  used_at: string | number | null;
  last_used_at: string | number | null;
  revoked_at: string | number | null;
  revoked_reason: string | null;
  family_expires_at: string | number;
  family_revoked_at: string | number | null;
  family_revoked_reason: string | null;
  family_dpop_jkt: string | null;
}

interface LineageRow extends Row {
  parent_id: string | null;
  used_address: string | null;
  used_user_agent: string | null;
}

interface FamilyRow {
  id: string;
  client_id: string;
  subject: string;
  scope: string;
  created_at: string | number;
  expires_at: string | number;
  revoked_at: string | number | null;
  revoked_reason: string | null;
  dpop_jkt: string | null;
  replayed_token_id: string | null;
  replayed_at: string | number | null;
  replayed_address: string | null;
  replayed_user_agent: string | null;
}

const num = (v: string | number | null) => (v === null ? null : Number(v));

/** Each status as a condition, the same as `statusOf` computes it. */
const STATUS_SQL: Record<RefreshTokenStatus, string> = {
  revoked: '(t.revoked_at IS NOT NULL OR f.revoked_at IS NOT NULL)',
  rotated: 't.revoked_at IS NULL AND f.revoked_at IS NULL AND t.used_at IS NOT NULL',
  expired:
    't.revoked_at IS NULL AND f.revoked_at IS NULL AND t.used_at IS NULL AND (t.expires_at <= :now OR f.expires_at <= :now)',
  active:
    't.revoked_at IS NULL AND f.revoked_at IS NULL AND t.used_at IS NULL AND t.expires_at > :now AND f.expires_at > :now',
};

function statusOf(r: Row, now: number): RefreshTokenStatus {
  if (r.revoked_at !== null || r.family_revoked_at !== null) return 'revoked';
  if (r.used_at !== null) return 'rotated';
  if (Number(r.expires_at) <= now || Number(r.family_expires_at) <= now) return 'expired';
  return 'active';
}

function toItem(r: Row, now: number): RefreshTokenListItem {
  return {
    id: r.id,
    family_id: r.family_id,
    client_id: r.client_id,
    subject: r.subject,
    scope: r.scope,
    issued_at: Number(r.issued_at),
    expires_at: Math.min(Number(r.expires_at), Number(r.family_expires_at)),
    last_used_at: num(r.last_used_at),
    status: statusOf(r, now),
    revoked_at: num(r.revoked_at) ?? num(r.family_revoked_at),
    revoked_reason: r.revoked_reason ?? r.family_revoked_reason,
    dpop_jkt: r.family_dpop_jkt ?? null,
  };
}

function lineageToken(r: LineageRow, now: number): LineageToken {
  const item = toItem(r, now);
  return {
    id: item.id,
    parent_id: r.parent_id,
    issued_at: item.issued_at,
    expires_at: item.expires_at,
    used_at: num(r.used_at),
    revoked_at: item.revoked_at,
    revoked_reason: item.revoked_reason,
    status: item.status,
    used_from:
      r.used_address === null && r.used_user_agent === null
        ? null
        : { address: r.used_address, user_agent: r.used_user_agent },
  };
}

/** The family's standing, as `statusOf` has it for a token: revoked first, then its absolute expiry. */
function familyStatus(f: FamilyRow, now: number): RefreshTokenFamilyStatus {
  if (f.revoked_at !== null) return 'revoked';
  return Number(f.expires_at) <= now ? 'expired' : 'active';
}

function lineageOf(f: FamilyRow, tokens: LineageRow[], now: number): FamilyLineage {
  return {
    id: f.id,
    client_id: f.client_id,
    subject: f.subject,
    scope: f.scope,
    created_at: Number(f.created_at),
    expires_at: Number(f.expires_at),
    status: familyStatus(f, now),
    revoked_at: num(f.revoked_at),
    revoked_reason: f.revoked_reason,
    dpop_jkt: f.dpop_jkt ?? null,
    replay:
      f.replayed_at === null
        ? null
        : {
            token_id: f.replayed_token_id,
            presented_at: Number(f.replayed_at),
            from: { address: f.replayed_address, user_agent: f.replayed_user_agent },
          },
    tokens: tokens.map((t) => lineageToken(t, now)),
  };
}

/** The operators' view of refresh tokens: keyset pages, newest first, with each token's status at `now`. */
@Injectable()
export class RefreshTokenListRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Newest first by (issued_at, id), after `after` (the last item of the previous page): up to
   * `limit + 1` items, the extra one telling that a next page exists.
   */
  async list(
    filter: RefreshTokenListFilter,
    limit: number,
    after: { at: number; id: string } | undefined,
    now: number,
  ): Promise<RefreshTokenListItem[]> {
    const qb = this.select().setParameter('now', now);
    if (filter.client_id !== undefined) qb.andWhere('t.client_id = :client_id', { client_id: filter.client_id });
    if (filter.subject !== undefined) qb.andWhere('t.subject = :subject', { subject: filter.subject });
    if (filter.family_id !== undefined) qb.andWhere('t.family_id = :family_id', { family_id: filter.family_id });
    if (filter.status !== undefined) qb.andWhere(STATUS_SQL[filter.status]);
    if (filter.issued_after !== undefined) qb.andWhere('t.issued_at >= :after', { after: filter.issued_after });
    if (filter.issued_before !== undefined) qb.andWhere('t.issued_at < :before', { before: filter.issued_before });
    const rows = await newestFirst(qb, { time: 't.issued_at', id: 't.id' }, limit, after).getRawMany<Row>();
    return rows.map((r) => toItem(r, now));
  }

  async get(id: string, now: number): Promise<RefreshTokenListItem | null> {
    const row = await this.select().where('t.id = :id', { id }).getRawOne<Row>();
    return row ? toItem(row, now) : null;
  }

  /** The family with its tokens in issue order (issued_at, id) and its replay evidence; null when there is none. */
  async lineage(familyId: string, now: number): Promise<FamilyLineage | null> {
    const family = await this.dataSource
      .getRepository(RefreshTokenFamilyEntity)
      .createQueryBuilder('f')
      .select([
        'f.id AS id',
        'f.client_id AS client_id',
        'f.subject AS subject',
        'f.scope AS scope',
        'f.created_at AS created_at',
        'f.expires_at AS expires_at',
        'f.revoked_at AS revoked_at',
        'f.revoked_reason AS revoked_reason',
        'f.dpop_jkt AS dpop_jkt',
        'f.replayed_token_id AS replayed_token_id',
        'f.replayed_at AS replayed_at',
        'f.replayed_address AS replayed_address',
        'f.replayed_user_agent AS replayed_user_agent',
      ])
      .where('f.id = :id', { id: familyId })
      .getRawOne<FamilyRow>();
    if (!family) return null;
    const tokens = await this.select()
      .addSelect(['t.parent_id AS parent_id', 't.used_address AS used_address', 't.used_user_agent AS used_user_agent'])
      .where('t.family_id = :id', { id: familyId })
      .orderBy('t.issued_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .getRawMany<LineageRow>();
    return lineageOf(family, tokens, now);
  }

  private select(): SelectQueryBuilder<RefreshTokenEntity> {
    return this.dataSource
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .innerJoin('refresh_token_family', 'f', 'f.id = t.family_id')
      .select([
        't.id AS id',
        't.family_id AS family_id',
        't.client_id AS client_id',
        't.subject AS subject',
        't.scope AS scope',
        't.issued_at AS issued_at',
        't.expires_at AS expires_at',
        't.used_at AS used_at',
        't.last_used_at AS last_used_at',
        't.revoked_at AS revoked_at',
        't.revoked_reason AS revoked_reason',
        'f.expires_at AS family_expires_at',
        'f.revoked_at AS family_revoked_at',
        'f.revoked_reason AS family_revoked_reason',
        'f.dpop_jkt AS family_dpop_jkt',
      ]);
  }
}
