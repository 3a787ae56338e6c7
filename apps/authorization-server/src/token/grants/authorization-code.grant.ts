import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '#config';
import { GrantType, InvalidGrantError, SecretPrefix, hasSecretShape, scopeList } from '#oauth';
import {
  AuthorizationCodeEntity,
  ClientEntity,
  RefreshTokenRepository,
  type RequestOrigin,
  RevocationReason,
  requestOrigin,
} from '#persistence';
import { AuthorizationCodesService } from '../../authorization/authorization-codes.service.js';
import { RefreshTokenRevocation } from '../../revocation/refresh-token-revocation.service.js';
import { AuthorizationCodeParams } from '../dto/grant-params.dto.js';
import { GrantContext, GrantHandler, TokenRequestParams, TokenResponse } from '../grant-handler.js';
import { grantParams } from '../grant-params.js';
import { TokenIssuer } from '../token-issuer.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { verifierMatches } from './pkce.js';
import { refreshTokenAllowed } from './refresh-token-allowed.js';

const invalid = () => new InvalidGrantError('the authorization code is invalid');

/** RFC 6749 4.1.3-4.1.4 with PKCE (RFC 7636): the usual way to a first refresh token. */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = GrantType.AuthorizationCode;
  private readonly logger = new Logger(AuthorizationCodeGrant.name);

  constructor(
    private readonly codes: AuthorizationCodesService,
    private readonly tokens: RefreshTokenRepository,
    private readonly issuer: TokenIssuer,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly revocation: RefreshTokenRevocation,
  ) {}

  async handle(params: TokenRequestParams, client: ClientEntity, context: GrantContext): Promise<TokenResponse> {
    const { code, redirect_uri, code_verifier } = grantParams(AuthorizationCodeParams, params);
    const { dpop } = context;
    const from = () => requestOrigin(context.address, context.userAgent);
    const record = await this.findCode(code, client);
    if (record.used_at !== null) return this.replayed(record, client, from());
    this.checkBindings(record, redirect_uri, code_verifier);
    // RFC 9449 10: a code requested with dpop_jkt is exchanged only with a proof of that key.
    if (record.dpop_jkt && record.dpop_jkt !== dpop?.jkt)
      throw new InvalidGrantError('the authorization code is bound to a DPoP key the request did not prove');
    const scope = scopeList(record.scope);
    const user = { id: record.user_id, token_epoch: record.user_epoch };
    // RFC 9449 5: a public client's new family is bound to the proof's key.
    const { family, first } = this.issuer.newFamily(client, user, scope, dpop);
    const withRefresh = refreshTokenAllowed(client, scope);
    const redeemed = await this.tokens.redeemAuthorizationCode(
      record.id,
      this.clock.now(),
      family,
      withRefresh ? first.record : null,
    );
    // The user was disabled, deleted or changed password since signing in: nothing was written.
    if (redeemed === 'user_changed') throw invalid();
    if (redeemed === 'already_used')
      return this.replayed((await this.codes.findByValue(code)) ?? record, client, from());
    return this.issuer.respond(
      { grantType: this.grantType, client, subject: record.user_id, scope, familyId: family.id, dpop },
      withRefresh ? first.value : undefined,
    );
  }

  private async findCode(code: string, client: ClientEntity): Promise<AuthorizationCodeEntity> {
    if (!hasSecretShape(code, SecretPrefix.AuthorizationCode)) throw invalid();
    const record = await this.codes.findByValue(code);
    // RFC 6749 4.1.3: the code must have been issued to this client.
    if (!record || record.client_id !== client.client_id) throw invalid();
    if (this.clock.now() >= record.expires_at && record.used_at === null)
      throw new InvalidGrantError('the authorization code has expired');
    return record;
  }

  private checkBindings(
    record: AuthorizationCodeEntity,
    redirectUri: string | undefined,
    verifier: string | undefined,
  ): void {
    // RFC 6749 4.1.3: required if the authorization request sent it, then identical; checked when sent anyway.
    if (redirectUri === undefined && record.redirect_uri_sent)
      throw new InvalidGrantError('redirect_uri is required: the authorization request included it');
    if (redirectUri !== undefined && redirectUri !== record.redirect_uri)
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    if (record.code_challenge === null) {
      // RFC 9700 2.1.1: a code_verifier without a challenge in the request is refused.
      if (verifier !== undefined)
        throw new InvalidGrantError('code_verifier sent, but the authorization request had no code_challenge');
      return;
    }
    if (!verifierMatches(verifier, record.code_challenge))
      throw new InvalidGrantError('code_verifier does not match the code_challenge');
  }

  /** RFC 6749 4.1.2: a code used twice revokes what was issued from it, keeping on the family where it came from. */
  private async replayed(record: AuthorizationCodeEntity, client: ClientEntity, from: RequestOrigin): Promise<never> {
    this.metrics.authorizationCodeReuseDetected();
    if (record.family_id !== null) {
      await this.revocation.revokeFamily(
        record.family_id,
        RevocationReason.CodeReplay,
        'authorization_code.reuse_detected',
        {
          actor: `client:${client.client_id}`,
          reason: `authorization code ${record.id} presented again`,
          replay: { token_id: null, from },
        },
      );
      this.logger.warn(`authorization code reuse: family ${record.family_id} of client ${client.client_id} revoked`);
    }
    throw new InvalidGrantError('the authorization code was already used; the tokens issued from it are revoked');
  }
}
