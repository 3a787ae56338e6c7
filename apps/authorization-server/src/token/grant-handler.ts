import type { DpopProof, GrantType } from '#oauth';
import type { ClientEntity } from '#persistence';

/** The form parameters of a token request (RFC 6749 3.2), each present at most once. */
export type TokenRequestParams = Readonly<Record<string, string | undefined>>;

/** RFC 6749 5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  /** RFC 9449 5: DPoP when the access token is bound to the request's proof key. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** What a grant may need to know of the request besides its parameters. */
export interface GrantContext {
  /** The caller's address (req.ip, as TRUST_PROXY decides), for the sign-in throttle and the refresh lineage. */
  address: string;
  /** The request's User-Agent header, if any: kept (bounded) with the token a refresh uses, for forensics. */
  userAgent?: string;
  /** The request's verified DPoP proof (RFC 9449), when it carried one. */
  dpop?: DpopProof;
}

/**
 * One implementation per grant type, found by grant_type in GrantHandlerRegistry. The client
 * is already authenticated and allowed to use the grant when `handle` is called.
 */
export interface GrantHandler {
  readonly grantType: GrantType;
  handle(params: TokenRequestParams, client: ClientEntity, context: GrantContext): Promise<TokenResponse>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
