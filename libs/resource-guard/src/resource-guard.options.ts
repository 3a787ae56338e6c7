import type { TokenClock } from '#bearer';
import { MemoryReplayCache, type ReplayCache } from '#oauth';

/** RFC 9449 7: how DPoP proofs presented with DPoP-bound access tokens are checked. */
export interface ResourceDpopOptions {
  /** Seconds a proof may be old (default 60), beside 5 s of clock skew each way. */
  maxAgeSeconds?: number;
  /** Where spent proof jtis are kept: share one (RedisReplayCache) between instances of a resource server. Default: in memory. */
  replay?: ReplayCache;
}

export interface ResourceGuardOptions {
  /** The authorization server's issuer identifier: the exact `iss` of its access tokens. */
  issuer: string;
  /** Default: `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
  /** The `aud` value identifying this resource server; the token's `aud` must contain it. */
  audience: string;
  algorithms?: string[];
  clockToleranceSeconds?: number;
  /** How long fetched keys are used before the JWKS is fetched again (jose's default: 10 minutes). */
  cacheMaxAgeMs?: number;
  /** A JWKS fetch is aborted after this long (default 5000). */
  jwksTimeoutMs?: number;
  /** After a fetch, a token with an unknown kid triggers the next one only after this long (default 30000). */
  jwksCooldownMs?: number;
  /** The realm of the WWW-Authenticate challenges (default 'api'). */
  realm?: string;
  clock?: TokenClock;
  dpop?: ResourceDpopOptions;
}

export interface ResolvedResourceGuardOptions extends Required<Omit<ResourceGuardOptions, 'cacheMaxAgeMs' | 'dpop'>> {
  cacheMaxAgeMs?: number;
  dpop: Required<ResourceDpopOptions>;
}

export const RESOURCE_GUARD_OPTIONS = Symbol('RESOURCE_GUARD_OPTIONS');

// RFC 6750 3: auth-param values are quoted strings without '"' or '\'.
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

export function resolveOptions(options: ResourceGuardOptions): ResolvedResourceGuardOptions {
  if (!options.issuer || !options.audience) throw new Error('ResourceGuardModule needs an issuer and an audience');
  const clock = options.clock ?? { now: () => Date.now() };
  const resolved = {
    issuer: options.issuer,
    audience: options.audience,
    jwksUri: options.jwksUri ?? `${options.issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
    algorithms: options.algorithms ?? ['ES256', 'EdDSA', 'RS256'],
    clockToleranceSeconds: options.clockToleranceSeconds ?? 5,
    cacheMaxAgeMs: options.cacheMaxAgeMs,
    jwksTimeoutMs: options.jwksTimeoutMs ?? 5000,
    jwksCooldownMs: options.jwksCooldownMs ?? 30000,
    realm: options.realm ?? 'api',
    clock,
    dpop: {
      maxAgeSeconds: options.dpop?.maxAgeSeconds ?? 60,
      replay: options.dpop?.replay ?? new MemoryReplayCache(() => clock.now()),
    },
  };
  if (resolved.algorithms.length === 0) throw new Error('ResourceGuardModule needs at least one algorithm');
  if (!QUOTABLE.test(resolved.realm)) throw new Error('the realm must be printable ASCII without " or \\');
  return resolved;
}
