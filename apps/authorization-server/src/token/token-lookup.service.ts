import { Injectable } from '@nestjs/common';
import { type AccessTokenClaims, AccessTokenVerifier, BearerError } from '#bearer';
import { refreshTokenKey } from '#oauth';
import { RefreshTokenRepository, RefreshTokenWithFamily } from '#persistence';
import { TokenStanding } from '../bearer/token-standing.service.js';

export type FoundToken =
  { type: 'refresh_token'; token: RefreshTokenWithFamily } | { type: 'access_token'; claims: AccessTokenClaims } | null;

/**
 * Finds a presented token of either type. RFC 7009 2.1 / RFC 7662 2.1: token_type_hint decides
 * the order of the search, but a wrong hint never hides a token.
 */
@Injectable()
export class TokenLookup {
  constructor(
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly accessTokens: AccessTokenVerifier,
    private readonly standing: TokenStanding,
  ) {}

  async find(value: string, hint?: string): Promise<FoundToken> {
    const order = hint === 'access_token' ? [this.access, this.refresh] : [this.refresh, this.access];
    for (const lookup of order) {
      const found = await lookup.call(this, value);
      if (found) return found;
    }
    return null;
  }

  private async refresh(value: string): Promise<FoundToken> {
    const key = refreshTokenKey(value);
    if (!key) return null;
    const token = await this.refreshTokens.find(key);
    return token ? { type: 'refresh_token', token } : null;
  }

  private async access(value: string): Promise<FoundToken> {
    // A token whose client or user is gone or disabled is no token of theirs any more (TokenStanding).
    const claims = await this.accessTokens.verify(value).catch((e: unknown) => {
      if (e instanceof BearerError) return null;
      throw e;
    });
    return claims && (await this.standing.clientOf(claims)) ? { type: 'access_token', claims } : null;
  }
}
