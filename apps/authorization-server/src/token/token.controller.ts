import { Req } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ClientEntity } from '#persistence';
import { AuthenticatedClient } from '../clients/client-auth.guard.js';
import { TokenRequestForm, TokenResponseDto } from './dto/oauth-docs.dto.js';
import { DpopProofGuard, dpopProofOf } from './dpop-proof.guard.js';
import type { TokenRequestParams, TokenResponse } from './grant-handler.js';
import { GrantHandlerRegistry } from './grant-handler.registry.js';
import { OAuthController, OAuthEndpoint } from './oauth-endpoint.decorator.js';

@OAuthController()
export class TokenController {
  constructor(private readonly grants: GrantHandlerRegistry) {}

  @OAuthEndpoint({
    path: 'token',
    summary:
      'Token endpoint (RFC 6749 3.2): authorization_code, client_credentials, password, refresh_token, device_code (RFC 8628)',
    form: TokenRequestForm,
    ok: { type: TokenResponseDto, description: 'RFC 6749 5.1 token response' },
    badRequest: 'RFC 6749 5.2 error',
    unauthorized: 'invalid_client',
    then: [DpopProofGuard],
  })
  @ApiHeader({ name: 'DPoP', required: false, description: 'RFC 9449 DPoP proof: binds the tokens to its key' })
  token(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<TokenResponse> {
    return this.grants.handle(req.body as TokenRequestParams, client, {
      address: req.ip ?? 'unknown',
      userAgent: req.get('user-agent'),
      dpop: dpopProofOf(req),
    });
  }
}
