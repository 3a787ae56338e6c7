import { Req } from '@nestjs/common';
import type { Request } from 'express';
import type { ClientEntity } from '#persistence';
import type { DeviceAuthorizationResponse } from '../authorization/device-authorizations.service.js';
import { AuthenticatedClient } from '../clients/client-auth.guard.js';
import { DeviceAuthorizationRequestService } from './device-authorization-request.service.js';
import { DeviceAuthorizationForm, DeviceAuthorizationResponseDto } from './dto/oauth-docs.dto.js';
import type { TokenRequestParams } from './grant-handler.js';
import { OAuthController, OAuthEndpoint } from './oauth-endpoint.decorator.js';

@OAuthController()
export class DeviceAuthorizationController {
  constructor(private readonly requests: DeviceAuthorizationRequestService) {}

  @OAuthEndpoint({
    path: 'device_authorization',
    summary: 'Device authorization endpoint (RFC 8628 3.1): a device code and a user code',
    form: DeviceAuthorizationForm,
    ok: { type: DeviceAuthorizationResponseDto, description: 'RFC 8628 3.2 device authorization response' },
    badRequest: 'RFC 6749 5.2 error',
    unauthorized: 'invalid_client',
  })
  authorize(@Req() req: Request, @AuthenticatedClient() client: ClientEntity): Promise<DeviceAuthorizationResponse> {
    return this.requests.authorize(req.body as TokenRequestParams, client);
  }
}
