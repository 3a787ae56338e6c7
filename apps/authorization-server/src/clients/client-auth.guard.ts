import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Passport } from 'passport';
import { ClientAuthMethod, InvalidClientError, InvalidRequestError } from '#oauth';
import type { ClientEntity } from '#persistence';
import { formParams } from './strategies/client-credentials.strategy.js';
import { ClientSecretBasicStrategy } from './strategies/client-secret-basic.strategy.js';
import { ClientSecretPostStrategy } from './strategies/client-secret-post.strategy.js';
import { PublicClientStrategy } from './strategies/public-client.strategy.js';

/**
 * RFC 6749 2.3: the client authenticates with exactly one method. The method is read from
 * the request, then the passport strategy of that name verifies it.
 */
export function detectClientAuthMethod(req: Request): ClientAuthMethod {
  const body = formParams(req);
  const header = req.headers.authorization;
  if (header !== undefined) {
    if (body.client_secret !== undefined) {
      throw new InvalidRequestError('the client used more than one authentication method');
    }
    if (!/^Basic /i.test(header)) throw new InvalidClientError('unsupported client authentication scheme', true);
    return ClientAuthMethod.ClientSecretBasic;
  }
  if (body.client_secret !== undefined) return ClientAuthMethod.ClientSecretPost;
  if (body.client_id !== undefined) return ClientAuthMethod.None;
  throw new InvalidClientError('client authentication is required', false);
}

@Injectable()
export class ClientAuthGuard implements CanActivate {
  /** This app's own passport: the process-wide one holds the strategies of whichever app registered last. */
  private readonly passport = new Passport();

  constructor(basic: ClientSecretBasicStrategy, post: ClientSecretPostStrategy, none: PublicClientStrategy) {
    this.passport.use(ClientAuthMethod.ClientSecretBasic, basic);
    this.passport.use(ClientAuthMethod.ClientSecretPost, post);
    this.passport.use(ClientAuthMethod.None, none);
  }

  canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const method = detectClientAuthMethod(req);
    return new Promise((resolve, reject) => {
      const done = (err: unknown, client: ClientEntity | false) => {
        if (err) return reject(err);
        if (!client)
          return reject(
            new InvalidClientError('client authentication failed', method === ClientAuthMethod.ClientSecretBasic),
          );
        (req as Request & { client: ClientEntity }).client = client;
        resolve(true);
      };
      this.passport.authenticate(method, { session: false }, done)(req, http.getResponse<Response>(), reject);
    });
  }
}

/** The client authenticated by ClientAuthGuard. */
export const AuthenticatedClient = createParamDecorator(
  (_: unknown, context: ExecutionContext): ClientEntity =>
    context.switchToHttp().getRequest<{ client: ClientEntity }>().client,
);
