import { Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { OAuthExceptionFilter } from '#oauth';
import type { ClientEntity } from '#persistence';
import { AuthenticatedClient, ClientAuthGuard } from '../clients/client-auth.guard.js';
import { FormBodyGuard } from './form-body.guard.js';
import type { TokenRequestParams, TokenResponse } from './grant-handler.js';
import { GrantHandlerRegistry } from './grant-handler.registry.js';

@ApiTags('oauth')
@Controller('oauth')
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(private readonly grants: GrantHandlerRegistry) {}

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, ClientAuthGuard)
  @ApiOperation({ summary: 'Token endpoint (RFC 6749 3.2): client_credentials, password, refresh_token' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ description: 'RFC 6749 5.1 token response' })
  token(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<TokenResponse> {
    return this.grants.handle(req.body as TokenRequestParams, client);
  }
}
