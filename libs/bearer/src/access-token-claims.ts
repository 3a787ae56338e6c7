import type { JWTPayload } from 'jose';

/** RFC 9068 2.2: the claims of a JWT access token. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  /** This project's authorization server: the refresh-token family (the grant) of a user's token. */
  sid?: string;
  /** RFC 9449 6.1: the DPoP key (RFC 7638 thumbprint) the token is bound to. */
  cnf?: { jkt?: string };
}

/** RFC 9068 2.2: required in every access token (`scope` is not). */
export const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

/** Types that jose does not check itself (it checks iss, aud and the dates). */
export function isAccessTokenClaims(payload: JWTPayload): payload is AccessTokenClaims {
  return (
    typeof payload.sub === 'string' &&
    typeof payload.client_id === 'string' &&
    typeof payload.jti === 'string' &&
    (payload.scope === undefined || typeof payload.scope === 'string') &&
    (payload.sid === undefined || typeof payload.sid === 'string') &&
    (payload.cnf === undefined || (typeof payload.cnf === 'object' && payload.cnf !== null))
  );
}

/** RFC 6749 3.3: the scope claim is a space-delimited list. */
export function grantedScopes(claims: AccessTokenClaims): string[] {
  return claims.scope ? claims.scope.split(' ') : [];
}
