import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ClientAuthMethod } from '#oauth';
import { ClientsService, PresentedClientCredentials } from '../clients.service.js';
import { ClientCredentialsStrategy, formParams } from './client-credentials.strategy.js';

/** token_endpoint_auth_method `none`: a public client identified by client_id alone. */
@Injectable()
export class PublicClientStrategy extends PassportStrategy(ClientCredentialsStrategy, ClientAuthMethod.None) {
  constructor(private readonly clients: ClientsService) {
    super();
  }

  protected override extract(req: Request): PresentedClientCredentials {
    return { method: ClientAuthMethod.None, clientId: formParams(req).client_id ?? '' };
  }

  validate(presented: PresentedClientCredentials) {
    return this.clients.authenticate(presented);
  }
}
