import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { ResolvedResourceGuardOptions } from './resource-guard.options.js';

/** The JWKS could not be fetched or used: the authorization server or the network failed, not the token. */
export class JwksUnavailableError extends Error {}

/**
 * jose's remote key set: keys are cached, an unknown kid refetches the set (at most once per
 * cooldown), and every fetch has a timeout. Fetch failures are told apart from keys not matching.
 */
export function remoteKeySet(options: ResolvedResourceGuardOptions): JWTVerifyGetKey {
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
