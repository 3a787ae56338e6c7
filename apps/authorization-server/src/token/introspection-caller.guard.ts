import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { acceptAccessToken, BearerError, readBearerToken } from '#bearer';
import { DpopProofs } from '../dpop/dpop-proofs.service.js';
import { ClientAuthMethod, ClientNotAllowedError } from '#oauth';
import type { ClientEntity } from '#persistence';
import { ClientAuthGuard } from '../clients/client-auth.guard.js';
import { TokenStanding } from '../bearer/token-standing.service.js';

const REALM = 'introspection';
const ADMIN_SCOPES = ['admin', 'admin:read'];

/**
 * RFC 7662 2.1: the caller of /oauth/introspect is a client allowed to introspect
 * (`introspection_allowed`), authenticated like at the token endpoint, or the bearer of an
 * access token of this server with an admin scope.
 */
@Injectable()
export class IntrospectionCallerGuard implements CanActivate {
  constructor(
    private readonly clientAuth: ClientAuthGuard,
    private readonly standing: TokenStanding,
    private readonly dpop: DpopProofs,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { client?: ClientEntity }>();
    // Bearer credentials, even malformed ones, are answered as such (RFC 6750 3.1); anything else is client authentication.
    if (readBearerToken(req).kind !== 'none') return this.admitBearer(req);
    await this.clientAuth.canActivate(context);
    const client = req.client;
    if (!client?.introspection_allowed || client.token_endpoint_auth_method === ClientAuthMethod.None)
      throw new ClientNotAllowedError('the client may not introspect tokens');
    return true;
  }

  private async admitBearer(req: Request): Promise<boolean> {
    try {
      // A client_credentials token of a client that still holds an admin scope; a user's token never.
      const admin = await acceptAccessToken(
        req,
        this.dpop.url(req.originalUrl.split('?')[0]),
        this.dpop.resourceOptions,
        (token) => this.standing.admin(token),
        (principal) => principal.claims,
      );
      if (!admin.scopes.some((s) => ADMIN_SCOPES.includes(s)))
        throw BearerError.insufficientScope(['admin'], 'an admin scope is required');
      return true;
    } catch (e) {
      throw e instanceof BearerError ? e.inRealm(REALM) : e;
    }
  }
}
