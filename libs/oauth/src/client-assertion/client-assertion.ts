import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, type JSONWebKeySet, jwtVerify } from 'jose';
import { InvalidClientError } from '../oauth-errors.js';
import type { ReplayCache } from '../replay-cache.js';

/** RFC 7523 2.2: the only client_assertion_type this server knows. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** token_endpoint_auth_signing_alg_values_supported (RFC 8414): asymmetric only. */
export const CLIENT_ASSERTION_SIGNING_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;

/** How far ahead an assertion's exp may be (RFC 7523 3 leaves it to the server). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/**
 * `typ` values that say a JWT is something else (an access token, a DPoP proof, a security event...):
 * such a JWT signed by the client's key is never accepted as its assertion. Absent, `JWT` and the
 * explicit `client-authentication+jwt` are.
 */
const ACCEPTED_TYP = new Set([undefined, 'JWT', 'client-authentication+jwt']);
const MAX_ASSERTION_LENGTH = 16_384;
const MAX_JTI_LENGTH = 256;

/** Where a client's public keys come from: its registered `jwks`, or its `jwks_uri` through a cache. */
export interface ClientKeys {
  /** The keys as last known. */
  current(): Promise<JSONWebKeySet>;
  /** The keys again from their source, when a kid is unknown; null when that was done too recently. */
  refresh?(): Promise<JSONWebKeySet | null>;
}

export interface ClientAssertionOptions {
  readonly clientId: string;
  /** What `aud` may name: the token endpoint URL and the issuer identifier. */
  readonly audiences: readonly string[];
  readonly keys: ClientKeys;
  readonly replay: ReplayCache;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly skewSeconds?: number;
}

const refuse = (description: string): InvalidClientError => new InvalidClientError(description, false);

/**
 * Authenticates a client by its `client_assertion` (RFC 7523 3, RFC 7521 4.2): a JWT signed with one
 * of the client's keys, `iss` and `sub` its client_id, `aud` this server, `exp` at most five minutes
 * ahead, and a `jti` never seen before until that exp. Every failure is `invalid_client` (401).
 */
export async function verifyClientAssertion(assertion: unknown, options: ClientAssertionOptions): Promise<void> {
  if (
    typeof assertion !== 'string' ||
    assertion.length > MAX_ASSERTION_LENGTH ||
    !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(assertion)
  )
    throw refuse('client_assertion is not a signed JWT');
  let header;
  let claims;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw refuse('client_assertion is not a signed JWT');
  }
  if (!ACCEPTED_TYP.has(header.typ as string | undefined))
    throw refuse(`client_assertion typ ${String(header.typ)} is not a client assertion`);
  if (typeof header.alg !== 'string' || !(CLIENT_ASSERTION_SIGNING_ALGS as readonly string[]).includes(header.alg))
    throw refuse(`client_assertion alg must be one of ${CLIENT_ASSERTION_SIGNING_ALGS.join(', ')}`);
  // The claims are judged before the signature: the answer is the same, and no key is fetched for a
  // JWT that names another client or another server.
  if (claims.iss !== options.clientId || claims.sub !== options.clientId)
    throw refuse('client_assertion iss and sub must be the client_id');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud.length === 0 || !aud.every((a: unknown) => typeof a === 'string' && options.audiences.includes(a)))
    throw refuse('client_assertion aud must be the token endpoint URL or the issuer');
  const skew = options.skewSeconds ?? 5;
  const now = options.now() / 1000;
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw refuse('client_assertion must carry exp');
  if (claims.exp <= now - skew) throw refuse('client_assertion has expired');
  if (claims.exp > now + MAX_ASSERTION_LIFETIME_SECONDS + skew)
    throw refuse(`client_assertion exp must be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds ahead`);
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + skew))
    throw refuse('client_assertion is not yet valid');
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now + skew))
    throw refuse('client_assertion is issued in the future');
  if (typeof claims.jti !== 'string' || claims.jti === '' || claims.jti.length > MAX_JTI_LENGTH)
    throw refuse('client_assertion must carry a jti');

  await verifySignature(assertion, options.keys);

  const ttlMs = Math.ceil((claims.exp - now + skew) * 1000);
  if (!(await options.replay.remember(`client-assertion:${options.clientId}:${claims.jti}`, ttlMs)))
    throw refuse('client_assertion was already used');
}

async function verifySignature(assertion: string, keys: ClientKeys): Promise<void> {
  const attempt = async (set: JSONWebKeySet) => {
    await jwtVerify(assertion, createLocalJWKSet(set), {
      algorithms: [...CLIENT_ASSERTION_SIGNING_ALGS],
      // Time claims were judged above with the assertion's own limits.
      clockTolerance: Number.MAX_SAFE_INTEGER,
    });
  };
  const known = await keys.current().catch(() => {
    throw refuse('the client keys could not be fetched from its jwks_uri');
  });
  try {
    await attempt(known);
    return;
  } catch (e) {
    if (!(e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) || !keys.refresh) {
      throw mapped(e);
    }
  }
  // An unknown kid: the client may have rotated its keys since they were fetched.
  const fresh = await keys.refresh().catch(() => null);
  if (!fresh) throw refuse('client_assertion is signed with a key the client has not registered');
  try {
    await attempt(fresh);
  } catch (e) {
    throw mapped(e);
  }
}

function mapped(e: unknown): unknown {
  if (e instanceof errors.JWKSNoMatchingKey)
    return refuse('client_assertion is signed with a key the client has not registered');
  if (e instanceof errors.JWKSMultipleMatchingKeys) return refuse('client_assertion must name its key with kid');
  if (e instanceof errors.JWSSignatureVerificationFailed) return refuse('client_assertion signature does not verify');
  if (e instanceof errors.JOSEError) return refuse('client_assertion cannot be verified with the client keys');
  return e;
}
