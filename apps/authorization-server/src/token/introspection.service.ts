import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { RefreshTokenFamilyEntity, RefreshTokenWithFamily } from '#persistence';
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
    @InjectRepository(RefreshTokenFamilyEntity) private readonly families: Repository<RefreshTokenFamilyEntity>,
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
    const now = this.clock.now();
    const usable = t.revoked_at === null && t.family_revoked_at === null && t.used_at === null;
    if (!usable || now >= t.expires_at || now >= t.family_expires_at) return INACTIVE;
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
      const family = await this.families.findOneBy({ id: c.sid });
      if (!family || family.revoked_at !== null || family.expires_at <= this.clock.now()) return INACTIVE;
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
