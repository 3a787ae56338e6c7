import { errors } from 'jose';

/** The access token is not acceptable; the message is safe to send back (it never quotes the token). */
export class AccessTokenRejectedError extends Error {}

/** The JWKS could not be fetched or used: the authorization server or the network failed, not the token. */
export class JwksUnavailableError extends Error {}

/** Why verification failed, in words for error_description; undefined when the failure is not about the token. */
export function rejectionReason(e: unknown): string | undefined {
  if (e instanceof AccessTokenRejectedError) return e.message;
  if (e instanceof JwksUnavailableError) return 'the access token could not be verified';
  if (e instanceof errors.JWTExpired) return 'the access token expired';
  if (e instanceof errors.JWTClaimValidationFailed) return claimReason(e);
  if (e instanceof errors.JWKSNoMatchingKey) return 'the access token is signed with an unknown key';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'the signing algorithm is not accepted';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'the signature is invalid';
  if (e instanceof errors.JOSEError) return 'the access token is malformed';
  return undefined;
}

function claimReason(e: errors.JWTClaimValidationFailed): string {
  if (e.claim === 'typ') return 'the token is not an access token (typ must be at+jwt)';
  if (e.claim === 'nbf') return 'the access token is not valid yet';
  if (e.reason === 'missing') return `the access token has no ${e.claim} claim`;
  return `the ${e.claim} claim is not accepted`;
}
