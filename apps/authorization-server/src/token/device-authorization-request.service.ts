import { Injectable } from '@nestjs/common';
import { GrantType, UnauthorizedClientError, narrowScope, scopeList } from '#oauth';
import type { ClientEntity } from '#persistence';
import {
  DeviceAuthorizationResponse,
  DeviceAuthorizationsService,
} from '../authorization/device-authorizations.service.js';
import { DeviceAuthorizationParams } from './dto/grant-params.dto.js';
import type { TokenRequestParams } from './grant-handler.js';
import { grantParams } from './grant-params.js';

/** RFC 8628 3.1-3.2: the device authorization endpoint, after client authentication. */
@Injectable()
export class DeviceAuthorizationRequestService {
  constructor(private readonly requests: DeviceAuthorizationsService) {}

  async authorize(params: TokenRequestParams, client: ClientEntity): Promise<DeviceAuthorizationResponse> {
    // RFC 8628 3.2 (RFC 6749 5.2): only clients registered for the grant.
    if (!client.grant_types.includes(GrantType.DeviceCode))
      throw new UnauthorizedClientError(`the client is not allowed to use grant_type ${GrantType.DeviceCode}`);
    const { scope } = grantParams(DeviceAuthorizationParams, params);
    return this.requests.start(client, narrowScope(scope, scopeList(client.scope)));
  }
}
