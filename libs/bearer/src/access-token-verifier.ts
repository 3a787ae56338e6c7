import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { type AccessTokenClaims, isAccessTokenClaims, REQUIRED_CLAIMS } from './access-token-claims.js';
import { BearerError } from './bearer-error.js';
import { AccessTokenRejectedError, rejectionReason } from './token-rejection.js';

/**
 * The one verification contract (RFC 9068 4): `verify` resolves to the claims of an acceptable
 * access token and throws a BearerError (invalid_token) for any other; it never answers null.
 * Other failures (a database down) pass through as they are. An abstract class, not an
 * interface, only so that Nest can inject it by this name.
 */
export abstract class AccessTokenVerifier {
  abstract verify(token: string): Promise<AccessTokenClaims>;
}

/** The time source of expiry checks; tests substitute one they can move instead of sleeping. */
export interface TokenClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** What an access token must satisfy besides its signature. */
export interface AccessTokenPolicy {
  /** The exact `iss` of the tokens. */
  issuer: string;
  /** The `aud` of the tokens must contain it. */
  audience: string;
  /** Asymmetric algorithms only: a symmetric one would let the public key act as a secret. */
  algorithms: string[];
  clockToleranceSeconds: number;
  clock: TokenClock;
}

const MAX_TOKEN_LENGTH = 8192;

/** Both verifiers' checks, with `keys` the only difference between them. */
export async function verifyAccessToken(
  token: string,
  keys: JWTVerifyGetKey,
  policy: AccessTokenPolicy,
): Promise<AccessTokenClaims> {
  try {
    if (token.length > MAX_TOKEN_LENGTH) throw new AccessTokenRejectedError('the access token is too long');
    const { payload } = await jwtVerify(token, keys, {
      issuer: policy.issuer,
      audience: policy.audience,
      // RFC 9068 4: typ at+jwt is what keeps ID tokens and other JWTs out.
      typ: 'at+jwt',
      algorithms: policy.algorithms,
      clockTolerance: policy.clockToleranceSeconds,
      currentDate: new Date(policy.clock.now()),
      requiredClaims: REQUIRED_CLAIMS,
    });
    if (!isAccessTokenClaims(payload)) throw new AccessTokenRejectedError('the access token has malformed claims');
    return payload;
  } catch (e) {
    const reason = rejectionReason(e);
    throw reason === undefined ? e : BearerError.invalidToken(reason);
  }
}
