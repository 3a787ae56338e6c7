import {
  DPOP_SIGNING_ALGS,
  type DpopProofOptions,
  dpopHeader,
  InvalidDpopProofError,
  UseDpopNonceError,
  verifyDpopProof,
} from '#oauth';
import type { AccessTokenClaims } from './access-token-claims.js';
import { BearerError } from './bearer-error.js';
import { type AccessTokenScheme, type HeaderSource, readBearerToken } from './bearer-token.js';

/** A request to a protected resource: its headers and its method (the proof's htm). */
export interface ProtectedRequest extends HeaderSource {
  method: string;
}

/** The DPoP key an access token is bound to (RFC 9449 6.1: `cnf.jkt`), if any. */
export function confirmationKey(claims: AccessTokenClaims): string | undefined {
  const jkt = claims.cnf?.jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/**
 * The access token of a request to a protected resource, verified by `verify`, and held by its
 * rightful holder (RFC 9449 7): a DPoP-bound token (`cnf.jkt`) only with the DPoP scheme and a proof
 * of that key for this request (`htm`, `htu` = `url`, `ath`); an unbound one only as Bearer. Every
 * refusal is a BearerError; one made under the DPoP scheme, or for a bound token, is a DPoP
 * challenge (RFC 9449 7.1).
 */
export async function acceptAccessToken<T>(
  req: ProtectedRequest,
  url: string,
  dpop: DpopProofOptions,
  verify: (token: string) => Promise<T>,
  claimsOf: (verified: T) => AccessTokenClaims,
  missing?: string,
): Promise<T> {
  const credentials = readBearerToken(req);
  if (credentials.kind === 'none') throw BearerError.missingToken(missing);
  if (credentials.kind === 'malformed') throw BearerError.invalidRequest(credentials.reason);
  try {
    const verified = await verify(credentials.token);
    await checkBinding(claimsOf(verified), credentials.scheme, credentials.token, req, url, dpop);
    return verified;
  } catch (e) {
    if (e instanceof BearerError && (credentials.scheme === 'DPoP' || e.code === 'invalid_dpop_proof'))
      throw e.asDpop(DPOP_SIGNING_ALGS);
    throw e;
  }
}

async function checkBinding(
  claims: AccessTokenClaims,
  scheme: AccessTokenScheme,
  token: string,
  req: ProtectedRequest,
  url: string,
  options: DpopProofOptions,
): Promise<void> {
  const jkt = confirmationKey(claims);
  if (scheme === 'Bearer') {
    // RFC 9449 7.2: a bound token presented as a bearer token is refused.
    if (jkt !== undefined)
      throw BearerError.invalidToken(
        'the access token is DPoP-bound: present it with the DPoP scheme and a proof',
      ).asDpop(DPOP_SIGNING_ALGS);
    return;
  }
  if (jkt === undefined) throw BearerError.invalidToken('the access token is not DPoP-bound');
  let proved: string;
  try {
    ({ jkt: proved } = await verifyDpopProof(
      dpopHeader(req),
      { method: req.method, url, accessToken: token },
      options,
    ));
  } catch (e) {
    if (e instanceof InvalidDpopProofError || e instanceof UseDpopNonceError)
      throw BearerError.invalidDpopProof(e.description);
    throw e;
  }
  // RFC 9449 4.3 (12): the proof's key must be the one the token is bound to.
  if (proved !== jkt)
    throw BearerError.invalidDpopProof('the DPoP proof is not signed with the key the access token is bound to');
}
