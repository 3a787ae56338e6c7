import { Inject, Injectable } from '@nestjs/common';
import { InvalidRequestError, UnauthorizedClientError, UnsupportedGrantTypeError } from '#oauth';
import type { ClientEntity } from '#persistence';
import { GRANT_HANDLERS, GrantContext, GrantHandler, TokenRequestParams, TokenResponse } from './grant-handler.js';

/** grant_type -> handler. */
@Injectable()
export class GrantHandlerRegistry {
  private readonly handlers: Map<string, GrantHandler>;

  constructor(@Inject(GRANT_HANDLERS) handlers: GrantHandler[]) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

  supportedGrantTypes(): string[] {
    return [...this.handlers.keys()];
  }

  handle(params: TokenRequestParams, client: ClientEntity, context: GrantContext): Promise<TokenResponse> {
    const grantType = params.grant_type;
    if (grantType === undefined) throw new InvalidRequestError('grant_type is required');
    const handler = this.handlers.get(grantType);
    if (!handler) throw new UnsupportedGrantTypeError(`grant_type ${printable(grantType)} is not supported`);
    if (!client.grant_types.includes(grantType)) {
      throw new UnauthorizedClientError(`the client is not allowed to use grant_type ${grantType}`);
    }
    // RFC 9449 5.2: a client registered with dpop_bound_access_tokens must always send a proof.
    if (client.dpop_bound_access_tokens && !context.dpop)
      throw new InvalidRequestError('a DPoP proof is required: the client is registered with dpop_bound_access_tokens');
    return handler.handle(params, client, context);
  }
}

/** Echoes a value into an error description only when it is short printable ASCII. */
function printable(value: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(value) ? value : '(unprintable)';
}
