import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { AccessTokenClaims } from './access-token-claims.js';
import { type AccessTokenPolicy, AccessTokenVerifier, verifyAccessToken } from './access-token-verifier.js';
import { JwksUnavailableError } from './token-rejection.js';

export interface RemoteKeysOptions extends AccessTokenPolicy {
  /** The authorization server's JWKS. */
  jwksUri: string;
  /** How long fetched keys are used before the JWKS is fetched again (jose's default: 10 minutes). */
  cacheMaxAgeMs?: number;
  /** A JWKS fetch is aborted after this long. */
  jwksTimeoutMs: number;
  /** After a fetch, a token with an unknown kid triggers the next one only after this long. */
  jwksCooldownMs: number;
}

/** Verifies access tokens against the JWKS the authorization server publishes: the resource servers' verifier. */
export class RemoteKeysAccessTokenVerifier extends AccessTokenVerifier {
  private readonly logger = new Logger('AccessTokenVerifier');
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly options: RemoteKeysOptions) {
    super();
    const keys = remoteKeySet(options);
    this.keys = async (header, token) => {
      try {
        return await keys(header, token);
      } catch (e) {
        // The message names the JWKS, never the token.
        if (e instanceof JwksUnavailableError) this.logger.warn(e.message);
        throw e;
      }
    };
  }

  verify(token: string): Promise<AccessTokenClaims> {
    return verifyAccessToken(token, this.keys, this.options);
  }
}

/**
 * jose's remote key set: keys are cached, an unknown kid refetches the set (at most once per
 * cooldown), and every fetch has a timeout. Fetch failures are told apart from keys not matching.
 */
function remoteKeySet(options: RemoteKeysOptions): JWTVerifyGetKey {
  const keys = createRemoteJWKSet(new URL(options.jwksUri), {
    timeoutDuration: options.jwksTimeoutMs,
    cooldownDuration: options.jwksCooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
  });
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (e) {
      if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) throw e;
      throw new JwksUnavailableError(`the JWKS at ${options.jwksUri} is unavailable: ${reason(e)}`, { cause: e });
    }
  };
}

/** e.g. `TypeError: fetch failed (ECONNREFUSED)` or `JWKSTimeout: request timed out`. */
function reason(e: unknown): string {
  const code = (e as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? `${String(e)} (${code})` : String(e);
}
