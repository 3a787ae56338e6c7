import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '#config';
import {
  RefreshTokenListItem,
  RefreshTokenListRepository,
  RefreshTokenRepository,
  RevocationReason,
} from '#persistence';
import { AuditService } from '../../audit/audit.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { decodeCursor, instantParam, iso, page } from '../common/cursor.js';
import {
  ListRefreshTokensQueryDto,
  RefreshTokenDto,
  RefreshTokenPageDto,
  RevokeRefreshTokensDto,
  RevokedCountDto,
} from './refresh-token.dto.js';

/** Admin view of refresh tokens: keyset-paged lists, newest first, and revocation by family. */
@Injectable()
export class AdminRefreshTokensService {
  constructor(
    private readonly listing: RefreshTokenListRepository,
    private readonly tokens: RefreshTokenRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async list(q: ListRefreshTokensQueryDto): Promise<RefreshTokenPageDto> {
    const filter = {
      client_id: q.client_id,
      subject: q.subject,
      family_id: q.family_id,
      status: q.status,
      issued_after: q.issued_after === undefined ? undefined : instantParam(q.issued_after, 'issued_after'),
      issued_before: q.issued_before === undefined ? undefined : instantParam(q.issued_before, 'issued_before'),
    };
    const items = await this.listing.list(filter, q.limit, decodeCursor(q.cursor), this.clock.now());
    const result = page(items, q.limit, (r) => ({ at: r.issued_at, id: r.id }));
    return { items: result.items.map(toDto), next_cursor: result.next_cursor };
  }

  async get(id: string): Promise<RefreshTokenDto> {
    const item = await this.listing.get(id, this.clock.now());
    if (!item) throw new NotFoundException(`refresh token ${id} not found`);
    return toDto(item);
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
}

function describe(dto: RevokeRefreshTokensDto): string {
  return [
    dto.subject !== undefined ? `subject ${dto.subject}` : '',
    dto.client_id !== undefined ? `client ${dto.client_id}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function toDto(item: RefreshTokenListItem): RefreshTokenDto {
  return {
    ...item,
    issued_at: iso(item.issued_at)!,
    expires_at: iso(item.expires_at)!,
    last_used_at: iso(item.last_used_at),
    revoked_at: iso(item.revoked_at),
  };
}
