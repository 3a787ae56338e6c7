import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors, type JWK, jwtVerify } from 'jose';
import { OAuthError } from '../oauth-errors.js';
import type { ReplayCache } from '../replay-cache.js';

/** RFC 9449 5.1: the algorithms a proof may be signed with (asymmetric only), in metadata order. */
export const DPOP_SIGNING_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;

/** RFC 9449 7.1 / 12.2: a DPoP proof that is missing a part, malformed, stale, replayed or wrongly signed. */
export class InvalidDpopProofError extends OAuthError {
  readonly error = 'invalid_dpop_proof';
}

/** RFC 9449 8: the proof must carry a nonce the server issued; the answer carries a fresh one. */
export class UseDpopNonceError extends OAuthError {
  readonly error = 'use_dpop_nonce';
  constructor(description: string, nonce: string) {
    super(description);
    this.headers['DPoP-Nonce'] = nonce;
  }
}

/** What a verified proof establishes: the key that signed it (by RFC 7638 thumbprint) and its jti. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key, base64url: the `cnf.jkt` of bound tokens. */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
}

/** Server-issued nonces (RFC 9449 8): current one to hand out, and whether a presented one is good. */
export interface DpopNonceSource {
  current(): string;
  accepts(nonce: string): boolean;
}

export interface DpopProofOptions {
  /** How old a proof may be, in seconds (DPOP_PROOF_MAX_AGE). */
  readonly maxAgeSeconds: number;
  /** Clock difference tolerated each way, in seconds. */
  readonly skewSeconds: number;
  readonly replay: ReplayCache;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** When set, every proof must carry one of its nonces (DPOP_NONCE_REQUIRED). */
  readonly nonces?: DpopNonceSource;
}

/** What the request the proof came with was: its method and URL, and the access token it presents. */
export interface DpopRequest {
  readonly method: string;
  /** The absolute URL of the request (query and fragment are ignored, RFC 9449 4.3). */
  readonly url: string;
  /** At a resource server: the access token the request presents, which the proof's `ath` must hash. */
  readonly accessToken?: string;
}

/** Members of a JWK that only a private or symmetric key has (RFC 7517, 7518 6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI_LENGTH = 256;
/** A proof is a small JWT; anything much larger is not one and is refused before any crypto. */
const MAX_PROOF_LENGTH = 8192;

/** base64url(SHA-256(ASCII(access token))), the `ath` claim (RFC 9449 4.2). */
export const accessTokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** The URL the proof's `htu` must name: scheme, host, port and path, normalised (RFC 3986 6.2.2-6.2.3). */
function htuOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return `${u.origin}${u.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Verifies a DPoP proof (RFC 9449 4.3) for one request. `header` is the request's DPoP header as
 * Node gives it (a string, or an array when it was sent more than once). Throws InvalidDpopProofError
 * (or UseDpopNonceError) naming the first check that failed; on success the proof's jti is spent.
 */
export async function verifyDpopProof(
  header: string | string[] | undefined,
  request: DpopRequest,
  options: DpopProofOptions,
): Promise<DpopProof> {
  if (Array.isArray(header)) {
    if (header.length !== 1) throw new InvalidDpopProofError('exactly one DPoP header is allowed');
    header = header[0];
  }
  if (typeof header !== 'string' || header === '') throw new InvalidDpopProofError('the DPoP header is missing');
  if (header.length > MAX_PROOF_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(header))
    throw new InvalidDpopProofError('the DPoP proof is not a compact JWS');

  let protectedHeader;
  try {
    protectedHeader = decodeProtectedHeader(header);
  } catch {
    throw new InvalidDpopProofError('the DPoP proof header is not valid JSON');
  }
  if (protectedHeader.typ !== 'dpop+jwt') throw new InvalidDpopProofError('the DPoP proof typ must be dpop+jwt');
  const alg = protectedHeader.alg;
  if (typeof alg !== 'string' || !(DPOP_SIGNING_ALGS as readonly string[]).includes(alg))
    throw new InvalidDpopProofError(`the DPoP proof alg must be one of ${DPOP_SIGNING_ALGS.join(', ')}`);
  const jwk = protectedHeader.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk))
    throw new InvalidDpopProofError('the DPoP proof header must carry the public key as jwk');
  if (PRIVATE_MEMBERS.some((m) => m in jwk))
    throw new InvalidDpopProofError('the DPoP proof jwk must be a public key, without private parts');

  let payload;
  try {
    ({ payload } = await jwtVerify(header, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_SIGNING_ALGS],
      // iat is judged below against the proof window; jose's own time checks are not used.
      clockTolerance: Number.MAX_SAFE_INTEGER,
    }));
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed)
      throw new InvalidDpopProofError('the DPoP proof signature does not verify');
    if (e instanceof errors.JWTClaimValidationFailed)
      throw new InvalidDpopProofError(`the DPoP proof ${e.claim} claim is invalid`);
    if (e instanceof errors.JWTInvalid)
      throw new InvalidDpopProofError('the DPoP proof payload is not a JWT claims set');
    if (e instanceof errors.JOSEError) throw new InvalidDpopProofError('the DPoP proof jwk is not a key for its alg');
    throw e;
  }

  const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH)
    throw new InvalidDpopProofError('the DPoP proof must carry a jti');
  if (htm !== request.method) throw new InvalidDpopProofError(`the DPoP proof htm must be ${request.method}`);
  const expected = htuOf(request.url);
  if (typeof htu !== 'string' || expected === null || htuOf(htu) !== expected)
    throw new InvalidDpopProofError(`the DPoP proof htu must be ${expected}`);
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    throw new InvalidDpopProofError('the DPoP proof must carry iat');
  const nowSeconds = options.now() / 1000;
  if (iat > nowSeconds + options.skewSeconds) throw new InvalidDpopProofError('the DPoP proof is issued in the future');
  if (iat < nowSeconds - options.maxAgeSeconds - options.skewSeconds)
    throw new InvalidDpopProofError('the DPoP proof is too old');
  if (request.accessToken !== undefined && ath !== accessTokenHash(request.accessToken))
    throw new InvalidDpopProofError('the DPoP proof ath does not match the access token');
  if (options.nonces) {
    if (typeof nonce !== 'string' || !options.nonces.accepts(nonce))
      throw new UseDpopNonceError('the DPoP proof must carry the nonce the server issued', options.nonces.current());
  }

  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  // Once the window has passed the proof is refused for its age, so the jti need not be kept longer.
  const ttlMs = (options.maxAgeSeconds + 2 * options.skewSeconds) * 1000;
  if (!(await options.replay.remember(`${jkt}:${jti}`, ttlMs)))
    throw new InvalidDpopProofError('the DPoP proof was already used');
  return { jkt, jti, iat };
}
