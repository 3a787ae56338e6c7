import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock, serverConfig, type ServerConfig } from '#config';
import { ClientAuthMethod, type DpopProof, GrantType, formatScope, mintRefreshToken, timeOrderedId } from '#oauth';
import {
  ClientEntity,
  NewFamily,
  NewRefreshToken,
  RefreshTokenRepository,
  RefreshTokenWithFamily,
  type RequestOrigin,
  type SuccessorDraft,
  successorOf,
} from '#persistence';
import { SigningKeysService } from '../keys/signing-keys.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { TokenResponse } from './grant-handler.js';

export interface AccessTokenGrant {
  /** The grant_type of the token request (the label of oauth_tokens_issued_total). */
  grantType: GrantType;
  client: ClientEntity;
  /** The resource owner, or the client itself for client_credentials (RFC 9068 2.2). */
  subject: string;
  scope: readonly string[];
  /** The refresh-token family (the grant) this access token belongs to. */
  familyId?: string;
  /** RFC 9449 6: the request's DPoP proof; the access token is bound to its key. */
  dpop?: DpopProof;
}

/**
 * RFC 9449 5: the key a new family of a public client is bound to (the request's proof); a confidential
 * client's refresh tokens are bound by its authentication instead.
 */
export function familyKey(client: ClientEntity, dpop: DpopProof | undefined): string | null {
  return dpop && client.token_endpoint_auth_method === ClientAuthMethod.None ? dpop.jkt : null;
}

export interface MintedRefreshToken {
  value: string;
  record: NewRefreshToken;
}

/** Mints access tokens (RFC 9068 JWTs) and refresh tokens, and shapes RFC 6749 5.1 responses. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: Clock,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Signs an access token and builds the response; call only after every write committed. */
  async respond(grant: AccessTokenGrant, refreshToken?: string): Promise<TokenResponse> {
    const lifetime = grant.client.access_token_lifetime;
    const now = Math.floor(this.clock.now() / 1000);
    // RFC 9068 2.2: iss, exp, aud, sub, client_id, iat, jti; scope as granted.
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      sub: grant.subject,
      aud: this.config.accessTokenAudience,
      iat: now,
      exp: now + lifetime,
      jti: randomUUID(),
      client_id: grant.client.client_id,
      scope: formatScope(grant.scope),
    };
    if (grant.familyId) claims.sid = grant.familyId;
    // RFC 9449 6.1: the key the access token is bound to, by its RFC 7638 thumbprint.
    if (grant.dpop) claims.cnf = { jkt: grant.dpop.jkt };
    const accessToken = this.keys.accessTokenSigner().sign(claims);
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: grant.dpop ? 'DPoP' : 'Bearer',
      expires_in: lifetime,
      scope: '',
    };
    if (refreshToken !== undefined) response.refresh_token = refreshToken;
    response.scope = formatScope(grant.scope);
    this.metrics.tokenIssued(grant.grantType, 'access_token');
    if (refreshToken !== undefined) this.metrics.tokenIssued(grant.grantType, 'refresh_token');
    return response;
  }

  /**
   * Starts a refresh-token family (a new grant) for a user and commits its first token; null when the
   * user was disabled, deleted or changed password since `userEpoch` was read.
   */
  async startFamily(
    client: ClientEntity,
    user: { id: string; token_epoch: number },
    scope: readonly string[],
    dpop?: DpopProof,
  ): Promise<{ familyId: string; value: string } | null> {
    const { family, first } = this.newFamily(client, user, scope, dpop);
    if (!(await this.refreshTokens.createFamily(family, first.record))) return null;
    return { familyId: family.id, value: first.value };
  }

  /** A new family and its first refresh token, not yet stored; a public client's is bound to the proof's key. */
  newFamily(
    client: ClientEntity,
    user: { id: string; token_epoch: number },
    scope: readonly string[],
    dpop?: DpopProof,
  ): { family: NewFamily; first: MintedRefreshToken } {
    const now = this.clock.now();
    const family: NewFamily = {
      id: timeOrderedId(now),
      client_id: client.client_id,
      subject: user.id,
      user_epoch: user.token_epoch,
      scope: formatScope(scope),
      created_at: now,
      expires_at: now + client.refresh_token_absolute_lifetime * 1000,
      dpop_jkt: familyKey(client, dpop),
    };
    return { family, first: this.firstToken(client, family) };
  }

  /** A successor of `parent` in its family; never outlives the family. */
  successor(client: ClientEntity, parent: RefreshTokenWithFamily): MintedRefreshToken {
    const { value, draft } = this.successorDraft(client);
    return { value, record: successorOf(parent, draft, this.clock.now()) };
  }

  /**
   * A successor whose family is not known yet (rotation of a presented token): its value and what the
   * repository stores; `dpop`, the request's proof, whose key a bound family's token must be rotated with;
   * `usedFrom`, where the request came from, stored on the token it rotates.
   */
  successorDraft(
    client: ClientEntity,
    dpop?: DpopProof,
    usedFrom?: RequestOrigin,
  ): { value: string; draft: SuccessorDraft } {
    const now = this.clock.now();
    const id = timeOrderedId(now);
    const { value, hash } = mintRefreshToken(id);
    return {
      value,
      draft: {
        id,
        client_id: client.client_id,
        token_hash: hash,
        idle_expires_at: now + client.refresh_token_idle_lifetime * 1000,
        dpop_jkt: dpop?.jkt ?? null,
        ...(usedFrom === undefined ? {} : { used_from: usedFrom }),
      },
    };
  }

  /** Idle expiry of a token used now, capped by the family's absolute expiry. */
  idleExpiry(client: ClientEntity, familyExpiresAt: number): number {
    return Math.min(this.clock.now() + client.refresh_token_idle_lifetime * 1000, familyExpiresAt);
  }

  /** The first refresh token of a new family. */
  private firstToken(client: ClientEntity, family: NewFamily): MintedRefreshToken {
    const id = timeOrderedId(family.created_at);
    const { value, hash } = mintRefreshToken(id);
    const record: NewRefreshToken = {
      id,
      family_id: family.id,
      parent_id: null,
      client_id: client.client_id,
      subject: family.subject,
      token_hash: hash,
      scope: family.scope,
      issued_at: family.created_at,
      expires_at: this.idleExpiry(client, family.expires_at),
    };
    return { value, record };
  }
}
