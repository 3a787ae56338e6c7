import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '#config';
import {
  type DpopProof,
  GrantType,
  InvalidGrantError,
  intersectScope,
  narrowScope,
  refreshTokenKey,
  scopeList,
} from '#oauth';
import {
  ClientEntity,
  RefreshTokenRepository,
  RefreshTokenWithFamily,
  type RequestOrigin,
  RevocationReason,
  type RotationRefusal,
  requestOrigin,
  rotationRefusal,
} from '#persistence';
import { RefreshTokenRevocation } from '../../revocation/refresh-token-revocation.service.js';
import { GrantContext, GrantHandler, TokenRequestParams, TokenResponse } from '../grant-handler.js';
import { grantParams } from '../grant-params.js';
import { RefreshTokenParams } from '../dto/grant-params.dto.js';
import { TokenIssuer } from '../token-issuer.service.js';
import { MetricsService } from '../../metrics/metrics.service.js';

const invalid = () => new InvalidGrantError('the refresh token is invalid');

/** The error description of each refusal that ends the request at once. */
const REFUSED: Record<Exclude<RotationRefusal, 'replayed' | 'used'>, string> = {
  unknown: 'the refresh token is invalid',
  dpop_key_mismatch: 'the refresh token is bound to a DPoP key the request did not prove',
  revoked: 'the refresh token has been revoked',
  user_changed: 'the grant ended: the user was disabled, removed or changed password',
  expired: 'the refresh token has expired',
};

/**
 * RFC 6749 6 with the protections of RFC 9700 4.14: client binding, rotation on every use,
 * and replay of a rotated token revoking the whole family.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = GrantType.RefreshToken;
  private readonly logger = new Logger(RefreshTokenGrant.name);

  constructor(
    private readonly tokens: RefreshTokenRepository,
    private readonly issuer: TokenIssuer,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly revocation: RefreshTokenRevocation,
  ) {}

  async handle(params: TokenRequestParams, client: ClientEntity, context: GrantContext): Promise<TokenResponse> {
    const { refresh_token, scope } = grantParams(RefreshTokenParams, params);
    const key = refreshTokenKey(refresh_token);
    if (!key) throw invalid();
    const { dpop } = context;
    // RFC 9700 4.14: where the request came from, kept with the token it uses (or on the family a replay revokes).
    const from = requestOrigin(context.address, context.userAgent);
    if (scope === undefined && client.refresh_token_rotation) {
      // The common case in one atomic step (one round trip on PostgreSQL): find, check, rotate.
      const next = this.issuer.successorDraft(client, dpop, from);
      const { token, rotated } = await this.tokens.rotatePresented(key, this.clock.now(), next.draft);
      if (rotated && token) {
        this.metrics.refreshTokenRotated();
        return this.respond(token, client, stillAllowed(token, client), next.value, dpop);
      }
      // Not rotated: unknown, bound to another client or DPoP key, revoked, expired, user changed, used before, or a lost race.
      const usable = await this.usable(token, client, dpop, from);
      return this.respond(usable, client, stillAllowed(usable, client), await this.renew(usable, client, from), dpop);
    }
    const token = await this.usable(await this.tokens.find(key), client, dpop, from);
    // RFC 6749 6: absent scope means the scope originally granted; wider is invalid_scope.
    const granted = narrowScope(scope, stillAllowed(token, client));
    return this.respond(token, client, granted, await this.renew(token, client, from), dpop);
  }

  private respond(
    token: RefreshTokenWithFamily,
    client: ClientEntity,
    scope: readonly string[],
    successor: string | undefined,
    dpop: DpopProof | undefined,
  ): Promise<TokenResponse> {
    return this.issuer.respond(
      { grantType: this.grantType, client, subject: token.family_subject, scope, familyId: token.family_id, dpop },
      successor,
    );
  }

  /**
   * RFC 6749 10.4: bound to its client; unknown, revoked or expired tokens are invalid_grant, and so is
   * a grant whose user was disabled, deleted or changed password since it began (the rotation rule,
   * rotation-rule.ts). A used token goes on to renew(): a retry within the reuse interval, or a replay.
   */
  private async usable(
    token: RefreshTokenWithFamily | null,
    client: ClientEntity,
    dpop: DpopProof | undefined,
    from: RequestOrigin,
  ): Promise<RefreshTokenWithFamily> {
    // RFC 9449 5: a bound family's token only with a proof of its key (refused before anything else is told).
    const refusal = rotationRefusal(token, client.client_id, this.clock.now(), dpop?.jkt ?? null);
    if (token && (refusal === null || refusal === 'used')) return token;
    // A token a retry replaced: it was handed out, so presenting it again is a replay.
    if (token && refusal === 'replayed') return this.replayed(token, client, from);
    throw new InvalidGrantError(REFUSED[refusal as keyof typeof REFUSED]);
  }

  /** Rotates the token (or slides it when the client does not rotate); answers the successor. */
  private async renew(
    token: RefreshTokenWithFamily,
    client: ClientEntity,
    from: RequestOrigin,
  ): Promise<string | undefined> {
    const now = this.clock.now();
    if (!client.refresh_token_rotation) {
      if (!(await this.tokens.touch(token.id, now, this.issuer.idleExpiry(client, token.family_expires_at)))) {
        throw new InvalidGrantError('the refresh token has been revoked');
      }
      return undefined;
    }
    if (token.used_at === null) {
      const next = this.issuer.successor(client, token);
      if (await this.tokens.rotate(token.id, now, next.record, from)) {
        this.metrics.refreshTokenRotated();
        return next.value;
      }
    }
    // Used before, or lost the race to a concurrent request: find out which case this is.
    return this.onReuse((await this.tokens.findById(token.id)) ?? token, client, from);
  }

  /**
   * RFC 9700 4.14.2: a rotated token presented again is a sign of theft, unless it is a retry within
   * the reuse interval whose successor was not used yet; the retry's successor replaces the earlier one,
   * so the family never holds two live tokens.
   */
  private async onReuse(token: RefreshTokenWithFamily, client: ClientEntity, from: RequestOrigin): Promise<string> {
    if (token.revoked_at !== null || token.family_revoked_at !== null)
      throw new InvalidGrantError('the refresh token has been revoked');
    const now = this.clock.now();
    const usedAt = token.used_at ?? now;
    if (now - usedAt < client.refresh_token_reuse_interval * 1000) {
      const next = this.issuer.successor(client, token);
      const outcome = await this.tokens.reissue(next.record, now);
      if (outcome === 'reissued') return next.value;
      if (outcome === 'revoked') throw new InvalidGrantError('the refresh token has been revoked');
    }
    return this.replayed(token, client, from);
  }

  /** RFC 9700 4.14.2: revokes the family, keeping on it which token came again and from where. */
  private async replayed(token: RefreshTokenWithFamily, client: ClientEntity, from: RequestOrigin): Promise<never> {
    this.metrics.refreshTokenReuseDetected();
    await this.revocation.revokeFamily(token.family_id, RevocationReason.Replay, 'refresh_token.reuse_detected', {
      actor: `client:${client.client_id}`,
      reason: `rotated token ${token.id} presented again`,
      replay: { token_id: token.id, from },
    });
    this.logger.warn(`refresh token reuse detected: family ${token.family_id} of client ${client.client_id} revoked`);
    throw new InvalidGrantError('the refresh token was already used; the grant has been revoked');
  }
}

/** The family's scope as far as the client's current registration still allows it. */
function stillAllowed(token: RefreshTokenWithFamily, client: ClientEntity): string[] {
  return intersectScope(scopeList(token.family_scope), scopeList(client.scope));
}
