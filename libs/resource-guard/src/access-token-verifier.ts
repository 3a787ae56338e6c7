import { Inject, Injectable, Logger } from '@nestjs/common';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { type AccessTokenClaims, isAccessTokenClaims, REQUIRED_CLAIMS } from './access-token-claims.js';
import { JwksUnavailableError, remoteKeySet } from './jwks.js';
import { RESOURCE_GUARD_OPTIONS, type ResolvedResourceGuardOptions } from './resource-guard.options.js';
import { AccessTokenRejectedError, rejectionReason } from './token-rejection.js';

const MAX_TOKEN_LENGTH = 8192;

/** Verifies JWT access tokens (RFC 9068 4) against the authorization server's JWKS. */
@Injectable()
export class AccessTokenVerifier {
  private readonly logger = new Logger('ResourceGuard');
  private readonly keys: JWTVerifyGetKey;

  constructor(@Inject(RESOURCE_GUARD_OPTIONS) private readonly options: ResolvedResourceGuardOptions) {
    this.keys = remoteKeySet(options);
  }

  /** The claims of an acceptable token; AccessTokenRejectedError for any other. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      if (token.length > MAX_TOKEN_LENGTH) throw new AccessTokenRejectedError('the access token is too long');
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'at+jwt',
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSeconds,
        currentDate: new Date(this.options.clock.now()),
        requiredClaims: REQUIRED_CLAIMS,
      });
      if (!isAccessTokenClaims(payload)) throw new AccessTokenRejectedError('the access token has malformed claims');
      return payload;
    } catch (e) {
      throw this.rejection(e);
    }
  }

  private rejection(e: unknown): unknown {
    const reason = rejectionReason(e);
    if (reason === undefined) return e;
    // The authorization server or the network failed; the message names the JWKS, never the token.
    if (e instanceof JwksUnavailableError) this.logger.warn(e.message);
    return new AccessTokenRejectedError(reason);
  }
}
