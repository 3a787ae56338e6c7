import { Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IntrospectionResponseDto, OAuthErrorDto, TokenForm } from './dto/oauth-docs.dto.js';
import type { Request } from 'express';
import { FormBodyGuard, OAuthExceptionFilter } from '#oauth';
import type { ClientEntity } from '#persistence';
import { AuthenticatedClient, ClientAuthGuard } from '../clients/client-auth.guard.js';
import { ClientRateLimitGuard, TokenRateLimitGuard } from '../rate-limit/token-rate-limit.guard.js';
import type { TokenRequestParams } from './grant-handler.js';
import { IntrospectionCallerGuard } from './introspection-caller.guard.js';
import { IntrospectionResponse, IntrospectionService } from './introspection.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

@ApiTags('oauth')
@Controller('oauth')
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(
    private readonly revocation: TokenRevocationService,
    private readonly introspection: IntrospectionService,
  ) {}

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, TokenRateLimitGuard, ClientAuthGuard, ClientRateLimitGuard)
  @ApiBasicAuth()
  @ApiOperation({ summary: 'Token revocation (RFC 7009): revokes the whole refresh-token family' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenForm })
  @ApiOkResponse({ description: 'Revoked, or not a token of this client (RFC 7009 2.2)' })
  @ApiBadRequestResponse({ type: OAuthErrorDto })
  @ApiUnauthorizedResponse({ type: OAuthErrorDto, description: 'invalid_client' })
  revoke(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<void> {
    return this.revocation.revoke(req.body as TokenRequestParams, client);
  }

  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, TokenRateLimitGuard, IntrospectionCallerGuard, ClientRateLimitGuard)
  @ApiBasicAuth()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Token introspection (RFC 7662) for refresh and access tokens' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenForm })
  @ApiOkResponse({ type: IntrospectionResponseDto, description: '{"active": false} or the token’s claims' })
  @ApiBadRequestResponse({ type: OAuthErrorDto })
  @ApiUnauthorizedResponse({ type: OAuthErrorDto, description: 'invalid_client or invalid_token' })
  @ApiForbiddenResponse({ type: OAuthErrorDto, description: 'not allowed to introspect, or insufficient_scope' })
  introspect(@Req() req: Request): Promise<IntrospectionResponse> {
    return this.introspection.introspect(req.body as TokenRequestParams);
  }
}
