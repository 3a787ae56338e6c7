import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '#config';
import { RefreshTokenListItem, RefreshTokenListRepository, RevocationReason } from '#persistence';
import { RefreshTokenRevocation } from '../../revocation/refresh-token-revocation.service.js';
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
    private readonly revocation: RefreshTokenRevocation,
    private readonly clock: Clock,
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
    await this.revocation.revokeFamily(token.family_id, RevocationReason.Admin, 'refresh_token_family.revoked', {
      actor,
      reason: `via refresh token ${id}`,
    });
  }

  async revokeMatching(dto: RevokeRefreshTokensDto, actor: string): Promise<RevokedCountDto> {
    if (dto.subject === undefined && dto.client_id === undefined)
      throw new BadRequestException('subject or client_id is required');
    const revoked = await this.revocation.revokeMatching(
      { subject: dto.subject, client_id: dto.client_id },
      RevocationReason.Admin,
      { actor, reason: describe(dto) },
    );
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
