import { Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiHeader,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { OAuthErrorDto, TokenRequestForm, TokenResponseDto } from './dto/oauth-docs.dto.js';
import type { Request } from 'express';
import { FormBodyGuard, OAuthExceptionFilter } from '#oauth';
import type { ClientEntity } from '#persistence';
import { AuthenticatedClient, ClientAuthGuard } from '../clients/client-auth.guard.js';
import { ClientRateLimitGuard, TokenRateLimitGuard } from '../rate-limit/token-rate-limit.guard.js';
import type { TokenRequestParams, TokenResponse } from './grant-handler.js';
import { GrantHandlerRegistry } from './grant-handler.registry.js';
import { DpopProofGuard, dpopProofOf } from './dpop-proof.guard.js';

@ApiTags('oauth')
@Controller('oauth')
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(private readonly grants: GrantHandlerRegistry) {}

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, TokenRateLimitGuard, ClientAuthGuard, ClientRateLimitGuard, DpopProofGuard)
  @ApiOperation({
    summary:
      'Token endpoint (RFC 6749 3.2): authorization_code, client_credentials, password, refresh_token, device_code (RFC 8628)',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBasicAuth()
  @ApiHeader({ name: 'DPoP', required: false, description: 'RFC 9449 DPoP proof: binds the tokens to its key' })
  @ApiBody({ type: TokenRequestForm })
  @ApiOkResponse({ type: TokenResponseDto, description: 'RFC 6749 5.1 token response' })
  @ApiBadRequestResponse({ type: OAuthErrorDto, description: 'RFC 6749 5.2 error' })
  @ApiUnauthorizedResponse({ type: OAuthErrorDto, description: 'invalid_client' })
  token(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<TokenResponse> {
    return this.grants.handle(req.body as TokenRequestParams, client, {
      address: req.ip ?? 'unknown',
      dpop: dpopProofOf(req),
    });
  }
}
