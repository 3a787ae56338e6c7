import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { acceptAccessToken, type AccessTokenClaims, AccessTokenVerifier, BearerError, grantedScopes } from '#bearer';
import type { DpopProofOptions } from '#oauth';
import { RESOURCE_GUARD_OPTIONS, type ResolvedResourceGuardOptions } from './resource-guard.options.js';
import { attachClaims } from './token-claims.decorator.js';

/** The metadata key of @RequireScopes(). */
export const REQUIRED_SCOPES = 'resource-guard:required-scopes';

/** RFC 9449 4.3: the clock difference tolerated each way for a proof's iat. */
const DPOP_SKEW_SECONDS = 5;

/**
 * RFC 6750 and RFC 9449 7: admits requests bearing a valid access token with the scopes of
 * @RequireScopes(); a DPoP-bound token only with the DPoP scheme and a proof of its key.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly dpop: DpopProofOptions;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOURCE_GUARD_OPTIONS) private readonly options: ResolvedResourceGuardOptions,
  ) {
    this.dpop = {
      maxAgeSeconds: options.dpop.maxAgeSeconds,
      skewSeconds: DPOP_SKEW_SECONDS,
      replay: options.dpop.replay,
      now: () => options.clock.now(),
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    try {
      const req = http.getRequest<Request>();
      const claims = await acceptAccessToken(
        req,
        requestUrl(req),
        this.dpop,
        (token) => this.verifier.verify(token),
        (verified) => verified,
      );
      this.authorize(claims, context);
      attachClaims(http.getRequest(), claims);
      return true;
    } catch (e) {
      if (!(e instanceof BearerError)) throw e;
      const answer = e.inRealm(this.options.realm);
      this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', answer.challenge);
      throw answer;
    }
  }

  /** Scopes of @RequireScopes() on the class and on the handler: all of them are needed. */
  private authorize(claims: AccessTokenClaims, context: ExecutionContext): void {
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, targets);
    const granted = grantedScopes(claims);
    if (!required.every((scope) => granted.includes(scope))) throw BearerError.insufficientScope(required);
  }
}

/** The URL the request was made to, as the client saw it (TRUST_PROXY-aware protocol and host): the proof's htu. */
function requestUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
}
