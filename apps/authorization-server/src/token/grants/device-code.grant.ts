import { Injectable } from '@nestjs/common';
import { Clock } from '#config';
import {
  type DpopProof,
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  GrantType,
  InvalidGrantError,
  type OAuthError,
  SlowDownError,
  intersectScope,
  scopeList,
} from '#oauth';
import type { ClientEntity, DeviceAuthorizationEntity } from '#persistence';
import { DeviceAuthorizationsService } from '../../authorization/device-authorizations.service.js';
import { DeviceCodeParams } from '../dto/grant-params.dto.js';
import { GrantContext, GrantHandler, TokenRequestParams, TokenResponse } from '../grant-handler.js';
import { grantParams } from '../grant-params.js';
import { TokenIssuer } from '../token-issuer.service.js';
import { refreshTokenAllowed } from './refresh-token-allowed.js';

const invalid = () => new InvalidGrantError('the device code is invalid');
const revoked = () => new AccessDeniedError('the approval was withdrawn');

/**
 * RFC 8628 3.4-3.5: the device polls with its device code until the user has approved or denied it on
 * the verification page; an approved code is redeemed once.
 */
@Injectable()
export class DeviceCodeGrant implements GrantHandler {
  readonly grantType = GrantType.DeviceCode;

  constructor(
    private readonly requests: DeviceAuthorizationsService,
    private readonly issuer: TokenIssuer,
    private readonly clock: Clock,
  ) {}

  async handle(params: TokenRequestParams, client: ClientEntity, { dpop }: GrantContext): Promise<TokenResponse> {
    const { device_code } = grantParams(DeviceCodeParams, params);
    const request = await this.requests.findByDeviceCode(device_code);
    // RFC 8628 3.4 (RFC 6749 5.2): the code must have been issued to this client.
    if (!request || request.client_id !== client.client_id) throw invalid();
    if (request.status === 'consumed') throw new InvalidGrantError('the device code was already used');
    if (this.clock.now() >= request.expires_at) throw new ExpiredTokenError('the device code has expired');
    if (request.status === 'denied') throw new AccessDeniedError('the user denied the request');
    if (request.status === 'revoked') throw revoked();
    if (request.status === 'pending') return this.pending(request);
    // Approved: of concurrent polls, exactly one redeems it, and only while the approving user is unchanged.
    if (!(await this.requests.consume(request.id))) throw await this.notRedeemed(request, device_code);
    return this.issue(request, client, dpop);
  }

  /**
   * RFC 8628 3.5: an approval that no longer holds (consent withdrawn, the user disabled, deleted or given a
   * new password) is access_denied, once and for every later poll; a code another poll redeemed is invalid_grant.
   */
  private async notRedeemed(request: DeviceAuthorizationEntity, deviceCode: string): Promise<OAuthError> {
    if (await this.requests.revoke(request.id)) return revoked();
    const now = await this.requests.findByDeviceCode(deviceCode);
    return now?.status === 'revoked' ? revoked() : new InvalidGrantError('the device code was already used');
  }

  /** RFC 8628 3.5: authorization_pending, or slow_down for a device polling faster than its interval. */
  private async pending(request: DeviceAuthorizationEntity): Promise<never> {
    if ((await this.requests.recordPoll(request.id)) === 'too_fast')
      throw new SlowDownError(`polling too fast; wait ${request.interval + 5} seconds between requests`);
    throw new AuthorizationPendingError('the user has not yet approved the request');
  }

  private async issue(
    request: DeviceAuthorizationEntity,
    client: ClientEntity,
    dpop: DpopProof | undefined,
  ): Promise<TokenResponse> {
    // Today's client scope bounds what the user approved.
    const scope = intersectScope(scopeList(request.scope), scopeList(client.scope));
    const user = { id: request.subject!, token_epoch: request.user_epoch! };
    const grant = { grantType: this.grantType, client, subject: user.id, scope, dpop };
    if (!refreshTokenAllowed(client, scope)) return this.issuer.respond(grant);
    // RFC 9449 5: a public client's new family is bound to the proof's key, as in the code flow. The
    // family too is refused when the user changed since the redemption.
    const family = await this.issuer.startFamily(client, user, scope, dpop);
    if (!family) throw revoked();
    return this.issuer.respond({ ...grant, familyId: family.familyId }, family.value);
  }
}
