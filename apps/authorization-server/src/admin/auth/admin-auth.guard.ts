import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Passport } from 'passport';
import { AdminBearerStrategy } from './admin-bearer.strategy.js';
import type { AdminPrincipal } from './admin-bearer.strategy.js';

export const ADMIN_SCOPE_KEY = 'admin:required-scope';
export const AdminScope = { Read: 'admin:read', Write: 'admin' } as const;
export type AdminScope = (typeof AdminScope)[keyof typeof AdminScope];

/** `admin` grants everything; `admin:read` the read-only routes. */
function allows(scopes: string[], required: AdminScope): boolean {
  return scopes.includes(AdminScope.Write) || (required === AdminScope.Read && scopes.includes(AdminScope.Read));
}

class BearerChallenge extends UnauthorizedException {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(message);
  }
}

class ScopeChallenge extends ForbiddenException {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(message);
  }
}

/** RFC 6750 3: 401 with a Bearer challenge without a valid token, 403 insufficient_scope without the scope. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  /** This app's own passport: the process-wide one holds the strategies of whichever app registered last. */
  private readonly passport = new Passport();

  constructor(
    private readonly reflector: Reflector,
    bearer: AdminBearerStrategy,
  ) {
    this.passport.use('admin-bearer', bearer);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required =
      this.reflector.getAllAndOverride<AdminScope>(ADMIN_SCOPE_KEY, [context.getHandler(), context.getClass()]) ??
      AdminScope.Write;
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { admin?: AdminPrincipal }>();
    const principal = await new Promise<AdminPrincipal | false>((resolve, reject) => {
      this.passport.authenticate(
        'admin-bearer',
        { session: false },
        (err: unknown, user: AdminPrincipal | false, info: unknown) => {
          if (err) return reject(err);
          if (!user) {
            const missing = info === 'missing';
            return reject(
              missing
                ? new BearerChallenge('an access token with the admin scope is required', 'Bearer realm="admin"')
                : new BearerChallenge(
                    'the access token is invalid or expired',
                    'Bearer realm="admin", error="invalid_token", error_description="the access token is invalid or expired"',
                  ),
            );
          }
          resolve(user);
        },
      )(req, http.getResponse<Response>(), reject);
    });
    if (!principal || !allows(principal.scopes, required)) {
      throw new ScopeChallenge(
        `the access token lacks the ${required} scope`,
        `Bearer realm="admin", error="insufficient_scope", scope="${required}"`,
      );
    }
    req.admin = principal;
    return true;
  }
}
