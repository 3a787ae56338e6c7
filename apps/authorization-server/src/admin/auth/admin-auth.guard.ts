import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { acceptAccessToken, BearerError } from '#bearer';
import { DpopProofs } from '../../dpop/dpop-proofs.service.js';
import { type AdminPrincipal, TokenStanding } from '../../bearer/token-standing.service.js';

export const ADMIN_SCOPE_KEY = 'admin:required-scope';
export const AdminScope = { Read: 'admin:read', Write: 'admin' } as const;
export type AdminScope = (typeof AdminScope)[keyof typeof AdminScope];

const REALM = 'admin';

/** `admin` grants everything; `admin:read` the read-only routes. */
function allows(scopes: string[], required: AdminScope): boolean {
  return scopes.includes(AdminScope.Write) || (required === AdminScope.Read && scopes.includes(AdminScope.Read));
}

/**
 * RFC 6750 3 on the admin API: a client's own access token with the route's admin scope (see
 * TokenStanding.admin); the challenge goes out through AdminExceptionFilter.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly standing: TokenStanding,
    private readonly dpop: DpopProofs,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required =
      this.reflector.getAllAndOverride<AdminScope>(ADMIN_SCOPE_KEY, [context.getHandler(), context.getClass()]) ??
      AdminScope.Write;
    const req = context.switchToHttp().getRequest<Request & { admin?: AdminPrincipal }>();
    try {
      req.admin = await this.admit(req, required);
      return true;
    } catch (e) {
      throw e instanceof BearerError ? e.inRealm(REALM) : e;
    }
  }

  private async admit(req: Request, required: AdminScope): Promise<AdminPrincipal> {
    // RFC 9449 7: a DPoP-bound token with the DPoP scheme and a proof for this request, an unbound one as Bearer.
    const principal = await acceptAccessToken(
      req,
      this.dpop.url(req.originalUrl.split('?')[0]),
      this.dpop.resourceOptions,
      (token) => this.standing.admin(token),
      (admin) => admin.claims,
      'an access token with the admin scope is required',
    );
    if (!allows(principal.scopes, required))
      throw BearerError.insufficientScope([required], `the access token lacks the ${required} scope`);
    return principal;
  }
}
