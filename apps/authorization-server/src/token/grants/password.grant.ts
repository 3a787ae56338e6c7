import { Injectable } from '@nestjs/common';
import { GrantType, InvalidGrantError, narrowScope, scopeList } from '#oauth';
import type { ClientEntity } from '#persistence';
import { LoginThrottle } from '../../authorization/login-throttle.service.js';
import { UsersService } from '../../users/users.service.js';
import { TooManyRequestsError } from '../../rate-limit/token-rate-limit.guard.js';
import { GrantContext, GrantHandler, TokenRequestParams, TokenResponse } from '../grant-handler.js';
import { grantParams } from '../grant-params.js';
import { PasswordParams } from '../dto/grant-params.dto.js';
import { TokenIssuer } from '../token-issuer.service.js';

/** RFC 6749 5.2: invalid resource owner credentials are invalid_grant, whatever made them invalid. */
const invalidCredentials = () => new InvalidGrantError('the resource owner credentials are invalid');

/**
 * RFC 6749 4.3, legacy: RFC 9700 2.4 says it MUST NOT be used. Only clients registered for
 * it (trusted first-party clients, migrations) reach this handler.
 */
@Injectable()
export class PasswordGrant implements GrantHandler {
  readonly grantType = GrantType.Password;

  constructor(
    private readonly throttle: LoginThrottle,
    private readonly users: UsersService,
    private readonly issuer: TokenIssuer,
  ) {}

  async handle(params: TokenRequestParams, client: ClientEntity, context: GrantContext): Promise<TokenResponse> {
    const { username, password, scope } = grantParams(PasswordParams, params);
    const dpop = context.dpop;
    const granted = narrowScope(scope, scopeList(client.scope));
    // The sign-in page's throttle: the same counters per username and per address.
    const { user, retryAfter } = await this.throttle.verifyCredentials(username, password, context.address);
    if (retryAfter > 0) throw new TooManyRequestsError(retryAfter);
    if (!user) throw invalidCredentials();
    // The user as read before the password hash: a disable or new password landing during it wins.
    if (!client.grant_types.includes(GrantType.RefreshToken)) {
      if (!(await this.users.isAtEpoch(user.id, user.token_epoch))) throw invalidCredentials();
      return this.issuer.respond({ grantType: this.grantType, client, subject: user.id, scope: granted, dpop });
    }
    const family = await this.issuer.startFamily(client, user, granted, dpop);
    if (!family) throw invalidCredentials();
    return this.issuer.respond(
      { grantType: this.grantType, client, subject: user.id, scope: granted, familyId: family.familyId, dpop },
      family.value,
    );
  }
}
