import { Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { OAuthExceptionFilter } from '#oauth';
import type { ClientEntity } from '#persistence';
import { AuthenticatedClient, ClientAuthGuard } from '../clients/client-auth.guard.js';
import { FormBodyGuard } from './form-body.guard.js';
import type { TokenRequestParams } from './grant-handler.js';
import { IntrospectionCallerGuard } from './introspection-caller.guard.js';
import { IntrospectionResponse, IntrospectionService } from './introspection.service.js';
import { RevocationService } from './revocation.service.js';

@ApiTags('oauth')
@Controller('oauth')
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(
    private readonly revocation: RevocationService,
    private readonly introspection: IntrospectionService,
  ) {}

  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, ClientAuthGuard)
  @ApiBasicAuth()
  @ApiOperation({ summary: 'Token revocation (RFC 7009): revokes the whole refresh-token family' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ description: 'Revoked, or not a token of this client (RFC 7009 2.2)' })
  revoke(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<void> {
    return this.revocation.revoke(req.body as TokenRequestParams, client);
  }

  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, IntrospectionCallerGuard)
  @ApiBasicAuth()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Token introspection (RFC 7662) for refresh and access tokens' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ description: '{"active": false} or the token’s claims' })
  introspect(@Req() req: Request): Promise<IntrospectionResponse> {
    return this.introspection.introspect(req.body as TokenRequestParams);
  }
}
