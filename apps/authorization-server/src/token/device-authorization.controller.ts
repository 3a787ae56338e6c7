import { Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { FormBodyGuard, OAuthExceptionFilter } from '#oauth';
import type { ClientEntity } from '#persistence';
import type { DeviceAuthorizationResponse } from '../authorization/device-authorizations.service.js';
import { AuthenticatedClient, ClientAuthGuard } from '../clients/client-auth.guard.js';
import { ClientRateLimitGuard, TokenRateLimitGuard } from '../rate-limit/token-rate-limit.guard.js';
import { DeviceAuthorizationRequestService } from './device-authorization-request.service.js';
import { DeviceAuthorizationForm, DeviceAuthorizationResponseDto, OAuthErrorDto } from './dto/oauth-docs.dto.js';
import type { TokenRequestParams } from './grant-handler.js';

@ApiTags('oauth')
@Controller('oauth')
@UseFilters(OAuthExceptionFilter)
export class DeviceAuthorizationController {
  constructor(private readonly requests: DeviceAuthorizationRequestService) {}

  @Post('device_authorization')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(FormBodyGuard, TokenRateLimitGuard, ClientAuthGuard, ClientRateLimitGuard)
  @ApiOperation({ summary: 'Device authorization endpoint (RFC 8628 3.1): a device code and a user code' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBasicAuth()
  @ApiBody({ type: DeviceAuthorizationForm })
  @ApiOkResponse({ type: DeviceAuthorizationResponseDto, description: 'RFC 8628 3.2 device authorization response' })
  @ApiBadRequestResponse({ type: OAuthErrorDto, description: 'RFC 6749 5.2 error' })
  @ApiUnauthorizedResponse({ type: OAuthErrorDto, description: 'invalid_client' })
  authorize(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<DeviceAuthorizationResponse> {
    return this.requests.authorize(req.body as TokenRequestParams, client);
  }
}
