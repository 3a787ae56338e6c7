import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { Clock } from '#config';
import { RefreshTokenEntity, RefreshTokenRepository, RevocationReason, newestFirst } from '#persistence';
import { AuditService } from '../../audit/audit.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { decodeCursor, instantParam, iso, page } from '../common/cursor.js';
import {
  ListRefreshTokensQueryDto,
  RefreshTokenDto,
  RefreshTokenPageDto,
  RevokeRefreshTokensDto,
  RevokedCountDto,
  TokenStatus,
} from './refresh-token.dto.js';

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
}

const num = (v: string | number | null) => (v === null ? null : Number(v));

const STATUS_SQL: Record<TokenStatus, string> = {
  revoked: '(t.revoked_at IS NOT NULL OR f.revoked_at IS NOT NULL)',
  rotated: 't.revoked_at IS NULL AND f.revoked_at IS NULL AND t.used_at IS NOT NULL',
  expired:
    't.revoked_at IS NULL AND f.revoked_at IS NULL AND t.used_at IS NULL AND (t.expires_at <= :now OR f.expires_at <= :now)',
  active:
    't.revoked_at IS NULL AND f.revoked_at IS NULL AND t.used_at IS NULL AND t.expires_at > :now AND f.expires_at > :now',
};

/** Admin view of refresh tokens: keyset-paged lists, newest first, and revocation by family. */
@Injectable()
export class AdminRefreshTokensService {
  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly entities: Repository<RefreshTokenEntity>,
    private readonly tokens: RefreshTokenRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async list(q: ListRefreshTokensQueryDto): Promise<RefreshTokenPageDto> {
    const now = this.clock.now();
    const qb = this.select().setParameter('now', now);
    if (q.client_id !== undefined) qb.andWhere('t.client_id = :client_id', { client_id: q.client_id });
    if (q.subject !== undefined) qb.andWhere('t.subject = :subject', { subject: q.subject });
    if (q.family_id !== undefined) qb.andWhere('t.family_id = :family_id', { family_id: q.family_id });
    if (q.status !== undefined) qb.andWhere(STATUS_SQL[q.status]);
    if (q.issued_after !== undefined)
      qb.andWhere('t.issued_at >= :after', { after: instantParam(q.issued_after, 'issued_after') });
    if (q.issued_before !== undefined)
      qb.andWhere('t.issued_at < :before', { before: instantParam(q.issued_before, 'issued_before') });
    const columns = { time: 't.issued_at', id: 't.id' };
    const rows = await newestFirst(qb, columns, q.limit, decodeCursor(q.cursor)).getRawMany<Row>();
    const result = page(rows, q.limit, (r) => ({ at: Number(r.issued_at), id: r.id }));
    return { items: result.items.map((r) => toDto(r, now)), next_cursor: result.next_cursor };
  }

  async get(id: string): Promise<RefreshTokenDto> {
    const row = await this.select().where('t.id = :id', { id }).getRawOne<Row>();
    if (!row) throw new NotFoundException(`refresh token ${id} not found`);
    return toDto(row, this.clock.now());
  }

  /** Revokes the token's whole family (the grant), as every revocation path does. */
  async revoke(id: string, actor: string): Promise<void> {
    const token = await this.get(id);
    const now = this.clock.now();
    const audit = this.audit.record({
      actor,
      action: 'refresh_token_family.revoked',
      target_type: 'refresh_token_family',
      target_id: token.family_id,
      reason: `via refresh token ${id}`,
    });
    const revoked = await this.tokens.revokeFamily(token.family_id, RevocationReason.Admin, now, audit);
    this.metrics.familyRevoked(RevocationReason.Admin, revoked);
  }

  async revokeMatching(dto: RevokeRefreshTokensDto, actor: string): Promise<RevokedCountDto> {
    if (dto.subject === undefined && dto.client_id === undefined)
      throw new BadRequestException('subject or client_id is required');
    const target =
      dto.subject !== undefined
        ? { target_type: 'subject', target_id: dto.subject }
        : { target_type: 'client', target_id: dto.client_id! };
    const audit = this.audit.record({ actor, action: 'refresh_tokens.bulk_revoked', ...target, reason: describe(dto) });
    const revoked = await this.tokens.revokeMatching(
      { subject: dto.subject, client_id: dto.client_id },
      RevocationReason.Admin,
      this.clock.now(),
      audit,
    );
    this.metrics.familyRevoked(RevocationReason.Admin, revoked);
    return { revoked };
  }

  private select(): SelectQueryBuilder<RefreshTokenEntity> {
    return this.entities
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
      ]);
  }
}

function describe(dto: RevokeRefreshTokensDto): string {
  return [
    dto.subject !== undefined ? `subject ${dto.subject}` : '',
    dto.client_id !== undefined ? `client ${dto.client_id}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function statusOf(r: Row, now: number): TokenStatus {
  if (r.revoked_at !== null || r.family_revoked_at !== null) return 'revoked';
  if (r.used_at !== null) return 'rotated';
  if (Number(r.expires_at) <= now || Number(r.family_expires_at) <= now) return 'expired';
  return 'active';
}

function toDto(r: Row, now: number): RefreshTokenDto {
  const revokedAt = num(r.revoked_at) ?? num(r.family_revoked_at);
  return {
    id: r.id,
    family_id: r.family_id,
    client_id: r.client_id,
    subject: r.subject,
    scope: r.scope,
    issued_at: iso(Number(r.issued_at))!,
    expires_at: iso(Math.min(Number(r.expires_at), Number(r.family_expires_at)))!,
    last_used_at: iso(num(r.last_used_at)),
    status: statusOf(r, now),
    revoked_at: iso(revokedAt),
    revoked_reason: r.revoked_reason ?? r.family_revoked_reason,
  };
}
