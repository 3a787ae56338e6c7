import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '#config';
import { type FamilyLineage, RefreshTokenListItem, RefreshTokenListRepository, RevocationReason } from '#persistence';
import { RefreshTokenRevocation } from '../../revocation/refresh-token-revocation.service.js';
import { decodeCursor, instantParam, iso, page } from '../common/cursor.js';
import {
  ListRefreshTokensQueryDto,
  RefreshTokenDto,
  RefreshTokenPageDto,
  RevokeRefreshTokensDto,
  RevokedCountDto,
} from './refresh-token.dto.js';
import { type FamilyReplayDto, type RefreshTokenFamilyDto, familyUrl } from './refresh-token-family.dto.js';

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

  /** The family's lineage: its tokens in issue order, where each was used from, and the replay that revoked it. */
  async family(familyId: string): Promise<RefreshTokenFamilyDto> {
    const lineage = await this.listing.lineage(familyId, this.clock.now());
    if (!lineage) throw new NotFoundException(`refresh-token family ${familyId} not found`);
    return familyDto(lineage);
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
    family_url: familyUrl(item.family_id),
    issued_at: iso(item.issued_at)!,
    expires_at: iso(item.expires_at)!,
    last_used_at: iso(item.last_used_at),
    revoked_at: iso(item.revoked_at),
  };
}

/** A family's lineage as the admin API answers it; instants as ISO 8601. */
export function familyDto(lineage: FamilyLineage): RefreshTokenFamilyDto {
  return {
    family_id: lineage.id,
    client_id: lineage.client_id,
    subject: lineage.subject,
    scope: lineage.scope,
    created_at: iso(lineage.created_at)!,
    expires_at: iso(lineage.expires_at)!,
    status: lineage.status,
    revoked_at: iso(lineage.revoked_at),
    revoked_reason: lineage.revoked_reason,
    dpop_jkt: lineage.dpop_jkt,
    tokens: lineage.tokens.map((t) => ({
      ...t,
      issued_at: iso(t.issued_at)!,
      expires_at: iso(t.expires_at)!,
      used_at: iso(t.used_at),
      revoked_at: iso(t.revoked_at),
    })),
    replay: replayDto(lineage),
  };
}

/**
 * RFC 9700 4.14: the replay beside the rightful use of what was replayed. The successor is the replayed
 * token's child that was used (the children a retry superseded never were), so a retry (the same address
 * and agent on both sides) reads apart from theft at a glance.
 */
function replayDto({ replay, tokens }: FamilyLineage): FamilyReplayDto | null {
  if (!replay) return null;
  const successor =
    replay.token_id === null ? undefined : tokens.find((t) => t.parent_id === replay.token_id && t.used_at !== null);
  return {
    token_id: replay.token_id,
    presented_at: iso(replay.presented_at)!,
    address: replay.from.address,
    user_agent: replay.from.user_agent,
    successor: successor
      ? {
          id: successor.id,
          used_at: iso(successor.used_at)!,
          address: successor.used_from?.address ?? null,
          user_agent: successor.used_from?.user_agent ?? null,
        }
      : null,
  };
}
