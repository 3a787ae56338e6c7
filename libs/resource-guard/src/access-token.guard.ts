import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import {
  type AccessTokenClaims,
  AccessTokenVerifier,
  BearerError,
  bearerToken,
  grantedScopes,
  type HeaderSource,
} from '#bearer';
import { RESOURCE_GUARD_OPTIONS, type ResolvedResourceGuardOptions } from './resource-guard.options.js';
import { attachClaims } from './token-claims.decorator.js';

/** The metadata key of @RequireScopes(). */
export const REQUIRED_SCOPES = 'resource-guard:required-scopes';

/** RFC 6750: admits requests bearing a valid access token with the scopes of @RequireScopes(). */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOURCE_GUARD_OPTIONS) private readonly options: ResolvedResourceGuardOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    try {
      const claims = await this.verifier.verify(bearerToken(http.getRequest<HeaderSource>()));
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
