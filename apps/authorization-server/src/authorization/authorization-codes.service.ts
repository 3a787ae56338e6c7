import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock, authorizationConfig, type AuthorizationConfig } from '#config';
import { SecretPrefix, formatScope, hashSecret, mintSecret } from '#oauth';
import { AuthorizationCodeEntity, AuthorizationCodeRepository } from '#persistence';
import type { AuthorizationRequest } from './authorization-request.js';

/** RFC 6749 4.1.2: codes of 256 random bits, stored as SHA-256, short-lived, single use. */
@Injectable()
export class AuthorizationCodesService {
  constructor(
    private readonly codes: AuthorizationCodeRepository,
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    private readonly clock: Clock,
  ) {}

  /** `user` as its session gave it: the code records the token epoch of that sign-in. */
  async issue(request: AuthorizationRequest, user: { id: string; token_epoch: number }): Promise<string> {
    const { value, hash } = mintSecret(SecretPrefix.AuthorizationCode);
    const now = this.clock.now();
    await this.codes.insert({
      id: randomUUID(),
      code_hash: hash,
      client_id: request.client.client_id,
      user_id: user.id,
      user_epoch: user.token_epoch,
      redirect_uri: request.redirectUri,
      redirect_uri_sent: request.redirectUriSent,
      scope: formatScope(request.scope),
      code_challenge: request.codeChallenge,
      code_challenge_method: request.codeChallenge === null ? null : 'S256',
      dpop_jkt: request.dpopJkt,
      created_at: now,
      expires_at: now + this.config.codeLifetime * 1000,
      used_at: null,
      family_id: null,
    });
    return value;
  }

  findByValue(value: string): Promise<AuthorizationCodeEntity | null> {
    return this.codes.findByHash(hashSecret(value));
  }

  /** Deletes the user's unused codes for the client: a withdrawn consent must not be redeemed later. */
  async discardUnused(userId: string, clientId: string): Promise<void> {
    await this.codes.deleteUnused(userId, clientId);
  }
}
