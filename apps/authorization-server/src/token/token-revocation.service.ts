import { Injectable } from '@nestjs/common';
import { UnsupportedTokenTypeError } from '#oauth';
import { ClientEntity, RevocationReason } from '#persistence';
import { RefreshTokenRevocation } from '../revocation/refresh-token-revocation.service.js';
import { TokenParams } from './dto/revocation-params.dto.js';
import { grantParams } from './grant-params.js';
import type { TokenRequestParams } from './grant-handler.js';
import { TokenLookup } from './token-lookup.service.js';

/** RFC 7009: a client revokes its own tokens; revoking either kind revokes the whole family. */
@Injectable()
export class TokenRevocationService {
  constructor(
    private readonly lookup: TokenLookup,
    private readonly revocation: RefreshTokenRevocation,
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
    await this.revocation.revokeFamily(familyId, RevocationReason.ClientRequest, 'refresh_token_family.revoked', {
      actor: `client:${client.client_id}`,
      reason: `RFC 7009 revocation of a ${found.type}`,
    });
  }
}
