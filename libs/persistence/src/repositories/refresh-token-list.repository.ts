import { Injectable } from '@nestjs/common';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { RefreshTokenEntity } from '../entities/index.js';
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
