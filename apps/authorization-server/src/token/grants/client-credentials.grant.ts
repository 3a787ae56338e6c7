import { Injectable } from '@nestjs/common';
import { GrantType, narrowScope, scopeList } from '#oauth';
import type { ClientEntity } from '#persistence';
import { GrantContext, GrantHandler, TokenRequestParams, TokenResponse } from '../grant-handler.js';
import { grantParams } from '../grant-params.js';
import { ClientCredentialsParams } from '../dto/grant-params.dto.js';
import { TokenIssuer } from '../token-issuer.service.js';

/** RFC 6749 4.4: the client acts on its own behalf; no refresh token (4.4.3). */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = GrantType.ClientCredentials;

  constructor(private readonly issuer: TokenIssuer) {}

  async handle(params: TokenRequestParams, client: ClientEntity, context: GrantContext): Promise<TokenResponse> {
    const { scope } = grantParams(ClientCredentialsParams, params);
    const granted = narrowScope(scope, scopeList(client.scope));
    return this.issuer.respond({
      grantType: this.grantType,
      client,
      subject: client.client_id,
      scope: granted,
      dpop: context.dpop,
    });
  }
}
