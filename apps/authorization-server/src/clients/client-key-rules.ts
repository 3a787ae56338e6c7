import { createPublicKey } from 'node:crypto';
import { CLIENT_ASSERTION_SIGNING_ALGS, bareHost, isNonPublicHost } from '#oauth';

/** What a registered key may be: the key types the client-assertion algorithms verify with. */
const ALGS_BY_KEY_TYPE: Record<string, readonly string[]> = {
  EC: ['ES256'],
  OKP: ['EdDSA'],
  RSA: ['RS256', 'PS256'],
};
const CURVES: Record<string, string> = { EC: 'P-256', OKP: 'Ed25519' };
/** RFC 7517 6.2.2, 6.3.2, RFC 8037 2 and 6.4.1: members that only a private or symmetric key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_KEYS = 20;
const MIN_RSA_BITS = 2048;

/**
 * The first thing wrong with a registered JWK Set, or null: public keys only, each with a kid of its
 * own, of a type (and curve) the accepted client-assertion algorithms verify with, and well formed.
 */
export function jwksProblem(jwks: unknown): string | null {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || Array.isArray(jwks) || !Array.isArray(keys))
    return 'jwks must be a JWK Set: an object with a keys array';
  if (Object.keys(jwks).some((k) => k !== 'keys')) return 'jwks must hold keys only';
  if (keys.length === 0 || keys.length > MAX_KEYS) return `jwks must hold 1 to ${MAX_KEYS} keys`;
  const kids = new Set<string>();
  for (const key of keys as unknown[]) {
    const problem = keyProblem(key);
    if (problem !== null) return problem;
    const kid = (key as { kid: string }).kid;
    if (kids.has(kid)) return `jwks kids must be unique: ${kid}`;
    kids.add(kid);
  }
  return null;
}

function keyProblem(key: unknown): string | null {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return 'each jwks key must be a JWK object';
  const jwk = key as Record<string, unknown>;
  // RFC 7517 4.5: the kid names the key an assertion was signed with.
  if (typeof jwk.kid !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(jwk.kid))
    return 'each jwks key needs a kid (1-200 printable ASCII characters)';
  const kid = jwk.kid;
  const held = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (held.length > 0) return `jwks key ${kid} holds private or symmetric key members (${held.join(', ')})`;
  const algs = typeof jwk.kty === 'string' ? ALGS_BY_KEY_TYPE[jwk.kty] : undefined;
  if (!algs) return `jwks key ${kid} must have kty EC, OKP or RSA (${CLIENT_ASSERTION_SIGNING_ALGS.join(', ')})`;
  const curve = CURVES[jwk.kty as string];
  if (curve !== undefined && jwk.crv !== curve)
    return `jwks key ${kid} of kty ${String(jwk.kty)} must have crv ${curve}`;
  if (jwk.alg !== undefined && !algs.includes(jwk.alg as string))
    return `jwks key ${kid} has alg ${String(jwk.alg)}; a ${String(jwk.kty)} key may have ${algs.join(' or ')}`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return `jwks key ${kid} must have use sig`;
  let bits: number | undefined;
  try {
    bits = createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    return `jwks key ${kid} is not a valid public key`;
  }
  if (jwk.kty === 'RSA' && (bits ?? 0) < MIN_RSA_BITS)
    return `jwks key ${kid} must be an RSA key of at least ${MIN_RSA_BITS} bits`;
  return null;
}

/**
 * The first thing wrong with a jwks_uri, or null: https, on a host that is not a loopback or private
 * address (its DNS answers are checked again at every fetch), unless JWKS_URI_ALLOW_PRIVATE is set.
 */
export function jwksUriProblem(uri: string, allowPrivate: boolean): string | null {
  if (!URL.canParse(uri)) return 'jwks_uri must be an absolute URL';
  const url = new URL(uri);
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    return 'jwks_uri must use https (http only with JWKS_URI_ALLOW_PRIVATE=true)';
  if (url.username !== '' || url.password !== '' || url.hash !== '')
    return 'jwks_uri must have no credentials or fragment';
  const host = bareHost(url);
  if (isNonPublicHost(host) && !allowPrivate)
    return `jwks_uri host ${host} is a loopback or private address (allowed only with JWKS_URI_ALLOW_PRIVATE=true)`;
  return null;
}
