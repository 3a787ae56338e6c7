import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ClientAuthMethod } from '#oauth';
import { ClientsService, PresentedClientCredentials } from '../clients.service.js';
import { ClientCredentialsStrategy, formParams } from './client-credentials.strategy.js';

/** RFC 6749 2.3.1: client_id and client_secret in the request body. */
@Injectable()
export class ClientSecretPostStrategy extends PassportStrategy(
  ClientCredentialsStrategy,
  ClientAuthMethod.ClientSecretPost,
) {
  constructor(private readonly clients: ClientsService) {
    super();
  }

  protected override extract(req: Request): PresentedClientCredentials {
    const body = formParams(req);
    return {
      method: ClientAuthMethod.ClientSecretPost,
      clientId: body.client_id ?? '',
      clientSecret: body.client_secret,
    };
  }

  validate(presented: PresentedClientCredentials) {
    return this.clients.authenticate(presented);
  }
}
