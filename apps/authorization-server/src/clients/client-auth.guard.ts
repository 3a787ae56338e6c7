import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import type { ClientEntity } from '#persistence';
import { ClientAuthenticationService } from './client-authentication.service.js';
import { presentedCredentials } from './client-auth-credentials.js';

/**
 * Client authentication at the OAuth endpoints (RFC 6749 2.3): the one method the request
 * uses, verified by ClientAuthenticationService.authenticate. Every failure is invalid_client.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(private readonly clients: ClientAuthenticationService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { client?: ClientEntity }>();
    req.client = await this.clients.authenticate(presentedCredentials(req));
    return true;
  }
}

/** The client authenticated by ClientAuthGuard. */
export const AuthenticatedClient = createParamDecorator(
  (_: unknown, context: ExecutionContext): ClientEntity =>
    context.switchToHttp().getRequest<{ client: ClientEntity }>().client,
);
