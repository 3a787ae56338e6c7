// The bearer-token pieces a resource server may need, from their one home (#bearer).
export {
  type AccessTokenClaims,
  AccessTokenVerifier,
  BearerError,
  type BearerErrorBody,
  type BearerCredentials,
  grantedScopes,
  type HeaderSource,
  isAccessTokenClaims,
  JwksUnavailableError,
  readBearerToken,
  REQUIRED_CLAIMS,
  type TokenClock,
} from '#bearer';
export * from './access-token.guard.js';
export * from './require-scopes.decorator.js';
export * from './resource-guard.module.js';
export * from './resource-guard.options.js';
export * from './token-claims.decorator.js';
