import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ClientAuthMethod, ClientNotAllowedError, InsufficientScopeError, InvalidTokenError } from '#oauth';
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
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { client?: ClientEntity }>();
    const bearer = /^Bearer +([\x21-\x7e]+) *$/i.exec(req.headers.authorization ?? '');
    if (bearer) return this.admitBearer(bearer[1]);
    await this.clientAuth.canActivate(context);
    const client = req.client;
    if (!client?.introspection_allowed || client.token_endpoint_auth_method === ClientAuthMethod.None)
      throw new ClientNotAllowedError('the client may not introspect tokens');
    return true;
  }

  private async admitBearer(token: string): Promise<boolean> {
    // A client_credentials token of a client that still holds an admin scope; a user's token never.
    const admin = await this.standing.admin(token);
    if (!admin) throw new InvalidTokenError('the access token is invalid or expired', REALM);
    if (!admin.scopes.some((s) => ADMIN_SCOPES.includes(s))) {
      throw new InsufficientScopeError('an admin scope is required', REALM, 'admin');
    }
    return true;
  }
}
