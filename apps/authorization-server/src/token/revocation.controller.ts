import { Req } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ClientEntity } from '#persistence';
import { AuthenticatedClient } from '../clients/client-auth.guard.js';
import { IntrospectionResponseDto, OAuthErrorDto, TokenForm } from './dto/oauth-docs.dto.js';
import type { TokenRequestParams } from './grant-handler.js';
import { IntrospectionCallerGuard } from './introspection-caller.guard.js';
import { IntrospectionResponse, IntrospectionService } from './introspection.service.js';
import { OAuthController, OAuthEndpoint } from './oauth-endpoint.decorator.js';
import { TokenRevocationService } from './token-revocation.service.js';

@OAuthController()
export class RevocationController {
  constructor(
    private readonly revocation: TokenRevocationService,
    private readonly introspection: IntrospectionService,
  ) {}

  @OAuthEndpoint({
    path: 'revoke',
    summary: 'Token revocation (RFC 7009): revokes the whole refresh-token family',
    form: TokenForm,
    ok: { description: 'Revoked, or not a token of this client (RFC 7009 2.2)' },
    unauthorized: 'invalid_client',
  })
  revoke(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<void> {
    return this.revocation.revoke(req.body as TokenRequestParams, client);
  }

  @OAuthEndpoint({
    path: 'introspect',
    summary: 'Token introspection (RFC 7662) for refresh and access tokens',
    form: TokenForm,
    ok: { type: IntrospectionResponseDto, description: '{"active": false} or the token’s claims' },
    unauthorized: 'invalid_client or invalid_token',
    caller: IntrospectionCallerGuard,
  })
  @ApiBearerAuth()
  @ApiForbiddenResponse({ type: OAuthErrorDto, description: 'not allowed to introspect, or insufficient_scope' })
  introspect(@Req() req: Request): Promise<IntrospectionResponse> {
    return this.introspection.introspect(req.body as TokenRequestParams);
  }
}
