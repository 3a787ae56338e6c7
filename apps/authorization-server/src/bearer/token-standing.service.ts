import { Injectable } from '@nestjs/common';
import { type AccessTokenClaims, AccessTokenVerifier, BearerError } from '#bearer';
import { ClientAuthMethod, intersectScope, scopeList } from '#oauth';
import type { ClientEntity } from '#persistence';
import { ClientAuthenticationService } from '../clients/client-authentication.service.js';
import { UsersService } from '../users/users.service.js';

/** The caller of an admin route or of introspection: a client_credentials token of a client as it is registered now. */
export interface AdminPrincipal {
  clientId: string;
  /** The admin scopes the token holds that the client's current registration still allows. */
  scopes: string[];
  claims: AccessTokenClaims;
}

/** An access token of a client for itself (client_credentials, RFC 9068 2.2): no user, no refresh-token family. */
export function isClientToken(claims: AccessTokenClaims): boolean {
  return claims.sub === claims.client_id && claims.sid === undefined;
}

/**
 * Whether an access token of this server still stands, judged on today's state rather than on what
 * it recorded when it was issued: its client is still registered; a user's token needs the user
 * still there and enabled; a client's own token must be newer than the client's last secret rotation
 * or scope change. Introspection, revocation, the admin API and the introspection callers all ask here.
 */
@Injectable()
export class TokenStanding {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly clients: ClientAuthenticationService,
    private readonly users: UsersService,
  ) {}

  /** The token's client as registered now, or null when the token no longer stands. */
  async clientOf(claims: AccessTokenClaims): Promise<Readonly<ClientEntity> | null> {
    // From the registrations cache: a change made through the API is seen at once on every instance.
    const client = await this.clients.findCached(claims.client_id);
    if (!client) return null;
    if (isClientToken(claims)) {
      // iat has whole seconds: a token issued within the same second as the change still stands.
      const changedAt = client.credentials_changed_at;
      return changedAt !== null && claims.iat < Math.floor(changedAt / 1000) ? null : client;
    }
    return (await this.users.isEnabled(claims.sub)) ? client : null;
  }

  /**
   * The bearer of an access token as an admin caller; BearerError invalid_token for a token that
   * does not verify or no longer stands. A user's token never acts as admin.
   */
  async admin(token: string): Promise<AdminPrincipal> {
    const claims = await this.verifier.verify(token);
    const client = isClientToken(claims) ? await this.clientOf(claims) : null;
    if (!client || client.token_endpoint_auth_method === ClientAuthMethod.None) {
      throw BearerError.invalidToken('the access token is invalid or expired');
    }
    return {
      clientId: client.client_id,
      scopes: intersectScope(scopeList(claims.scope ?? ''), scopeList(client.scope)),
      claims,
    };
  }
}
