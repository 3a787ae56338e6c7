import { Inject, Injectable } from '@nestjs/common';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { RefreshTokenRepository, RefreshTokenWithFamily, rotationRefusal } from '#persistence';
import { type AccessTokenClaims, confirmationKey } from '#bearer';
import { TokenParams } from './dto/revocation-params.dto.js';
import { grantParams } from './grant-params.js';
import type { TokenRequestParams } from './grant-handler.js';
import { TokenLookup } from './token-lookup.service.js';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = { active: false };
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * RFC 7662. An access token is active only while its refresh-token family is: revocation shows
 * at once, although the JWT stays well signed until it expires.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly lookup: TokenLookup,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: Clock,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
  ) {}

  async introspect(params: TokenRequestParams): Promise<IntrospectionResponse> {
    const { token, token_type_hint } = grantParams(TokenParams, params);
    const found = await this.lookup.find(token, token_type_hint);
    if (!found) return INACTIVE;
    return found.type === 'refresh_token' ? this.refreshToken(found.token) : this.accessToken(found.claims);
  }

  private refreshToken(t: RefreshTokenWithFamily): IntrospectionResponse {
    // Active exactly when its client could refresh with it now: the rotation rule, with the family's
    // own client and key (introspection proves neither).
    if (rotationRefusal(t, t.family_client_id, this.clock.now(), t.family_dpop_jkt) !== null) return INACTIVE;
    return {
      active: true,
      token_type: 'refresh_token',
      client_id: t.family_client_id,
      sub: t.family_subject,
      scope: t.scope,
      iat: seconds(t.issued_at),
      exp: seconds(Math.min(t.expires_at, t.family_expires_at)),
      iss: this.config.issuer,
      sid: t.family_id,
      // RFC 9449 6.2: the key a bound family's refresh must prove.
      ...(t.family_dpop_jkt ? { cnf: { jkt: t.family_dpop_jkt } } : {}),
    };
  }

  private async accessToken(c: AccessTokenClaims): Promise<IntrospectionResponse> {
    if (c.sid !== undefined) {
      if (!(await this.refreshTokens.familyStands(c.sid, this.clock.now()))) return INACTIVE;
    }
    const { iss, sub, aud, exp, iat, jti, client_id, scope, sid } = c;
    const jkt = confirmationKey(c);
    return {
      active: true,
      // RFC 9449 6.2: a DPoP-bound token says so, with the key it is bound to.
      token_type: jkt ? 'DPoP' : 'Bearer',
      client_id,
      sub,
      scope,
      iss,
      aud,
      exp,
      iat,
      jti,
      ...(sid ? { sid } : {}),
      ...(jkt ? { cnf: { jkt } } : {}),
    };
  }
}
