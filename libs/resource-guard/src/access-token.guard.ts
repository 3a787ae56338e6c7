import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { type AccessTokenClaims, grantedScopes } from './access-token-claims.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { BearerError } from './bearer-error.js';
import { type HeaderSource, readBearerToken } from './bearer-token.js';
import { RESOURCE_GUARD_OPTIONS, type ResolvedResourceGuardOptions } from './resource-guard.options.js';
import { AccessTokenRejectedError } from './token-rejection.js';
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
      const claims = await this.authenticate(http.getRequest<HeaderSource>());
      this.authorize(claims, context);
      attachClaims(http.getRequest(), claims);
      return true;
    } catch (e) {
      if (!(e instanceof BearerError)) throw e;
      this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', e.challenge);
      throw e;
    }
  }

  private async authenticate(request: HeaderSource): Promise<AccessTokenClaims> {
    const credentials = readBearerToken(request);
    if (credentials.kind === 'none') throw BearerError.missingToken(this.options.realm);
    if (credentials.kind === 'malformed') throw BearerError.invalidRequest(this.options.realm, credentials.reason);
    try {
      return await this.verifier.verify(credentials.token);
    } catch (e) {
      if (e instanceof AccessTokenRejectedError) throw BearerError.invalidToken(this.options.realm, e.message);
      throw e;
    }
  }

  /** Scopes of @RequireScopes() on the class and on the handler: all of them are needed. */
  private authorize(claims: AccessTokenClaims, context: ExecutionContext): void {
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, targets);
    const granted = grantedScopes(claims);
    if (!required.every((scope) => granted.includes(scope))) {
      throw BearerError.insufficientScope(this.options.realm, required);
    }
  }
}
