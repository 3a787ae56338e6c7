import { Injectable } from '@nestjs/common';
import { Clock } from '#config';
import { UnsupportedTokenTypeError } from '#oauth';
import { ClientEntity, RefreshTokenRepository, RevocationReason } from '#persistence';
import { AuditService } from '../audit/audit.service.js';
import { TokenParams } from './dto/revocation-params.dto.js';
import { grantParams } from './grant-params.js';
import type { TokenRequestParams } from './grant-handler.js';
import { TokenLookup } from './token-lookup.service.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** RFC 7009: a client revokes its own tokens; revoking either kind revokes the whole family. */
@Injectable()
export class RevocationService {
  constructor(
    private readonly lookup: TokenLookup,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async revoke(params: TokenRequestParams, client: ClientEntity): Promise<void> {
    const { token, token_type_hint } = grantParams(TokenParams, params);
    const found = await this.lookup.find(token, token_type_hint);
    // RFC 7009 2.2: an unknown token, or one of another client, is answered 200 all the same.
    if (!found) return;
    const familyId = found.type === 'refresh_token' ? found.token.family_id : found.claims.sid;
    const owner = found.type === 'refresh_token' ? found.token.family_client_id : found.claims.client_id;
    if (owner !== client.client_id) return;
    if (familyId === undefined) {
      // RFC 7009 2.2.1: an access token outside any refresh-token family cannot be revoked; it expires.
      throw new UnsupportedTokenTypeError(
        'this access token has no refresh-token family to revoke; it expires on its own',
      );
    }
    await this.revokeFamily(familyId, RevocationReason.ClientRequest, client, {
      action: 'refresh_token_family.revoked',
      reason: `RFC 7009 revocation of a ${found.type}`,
    });
  }

  /**
   * Revokes a family on a client's request or because of what the client presented (a replayed
   * refresh token or authorization code), with its audit event (`action`, `reason`) written in the
   * same transaction, and counts it. Answers whether the family was still active.
   */
  async revokeFamily(
    familyId: string,
    why: (typeof RevocationReason)[keyof typeof RevocationReason],
    client: ClientEntity,
    event: { action: string; reason: string },
  ): Promise<boolean> {
    const record = this.audit.record({
      actor: `client:${client.client_id}`,
      action: event.action,
      target_type: 'refresh_token_family',
      target_id: familyId,
      reason: event.reason,
    });
    const revoked = await this.refreshTokens.revokeFamily(familyId, why, this.clock.now(), record);
    this.metrics.familyRevoked(why, revoked);
    return revoked;
  }
}
