import { parseScope, scopeExcess, scopeList } from '#oauth';
import type { ClientEntity } from '#persistence';
import { redirectUriMatches } from './redirect-uri.js';

/** A validated authorization request (RFC 6749 4.1.1, RFC 7636 4.3). */
export interface AuthorizationRequest {
  client: ClientEntity;
  redirectUri: string;
  /** RFC 6749 4.1.3: redirect_uri was in the request (not the one registered URI by default). */
  redirectUriSent: boolean;
  scope: string[];
  state?: string;
  codeChallenge: string | null;
  /** RFC 9449 10: the thumbprint of the DPoP key the code's exchange must prove, when the client named one. */
  dpopJkt: string | null;
  /** The raw query string, carried through the login and consent forms and validated again. */
  query: string;
}

/** Before the redirect URI is trusted: an error page, never a redirect (RFC 6749 4.1.2.1). */
export class AuthorizationPageError extends Error {
  constructor(
    readonly title: string,
    override readonly message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** After it is trusted: the error goes back to the client as query parameters. */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly error: string,
    readonly description: string,
    readonly state?: string,
  ) {
    super(description);
  }
}

const CODE_CHALLENGE = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7638 SHA-256 thumbprint, base64url: 43 characters. */
const JWK_THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;
const MAX_QUERY = 8192;

/** The query parameters with every value of each name; empty values count as omitted (RFC 6749 3.1). */
export function queryParams(query: string): Map<string, string[]> | 'too long' {
  if (query.length > MAX_QUERY) return 'too long';
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (value !== '') params.set(name, [...(params.get(name) ?? []), value]);
  }
  return params;
}

export function validateAuthorizationRequest(
  query: string,
  findClient: (clientId: string) => ClientEntity | null,
): AuthorizationRequest {
  const params = queryParams(query);
  if (params === 'too long')
    throw new AuthorizationPageError('Invalid request', 'The authorization request is too long.');
  // A repeated client_id or redirect_uri cannot be trusted: the page, not a redirect.
  const single = (name: string) => (params.get(name)?.length === 1 ? params.get(name)![0] : undefined);
  const client = trustedClient(single('client_id'), findClient);
  if ((params.get('redirect_uri')?.length ?? 0) > 1) {
    throw new AuthorizationPageError('Invalid redirect URI', 'The request has more than one redirect_uri.');
  }
  const redirectUri = trustedRedirectUri(client, single('redirect_uri'));
  const state = single('state');
  const fail = (error: string, description: string) =>
    new AuthorizationRedirectError(redirectUri, error, description, state);
  // RFC 6749 3.1: parameters must not be repeated.
  if ([...params.values()].some((values) => values.length > 1))
    throw fail('invalid_request', 'a parameter is repeated');
  const responseType = single('response_type');
  if (responseType === undefined) throw fail('invalid_request', 'response_type is required');
  // RFC 9700 2.1.2: the implicit grant (response_type=token) is not offered.
  if (responseType !== 'code') throw fail('unsupported_response_type', 'only response_type=code is supported');
  return {
    client,
    redirectUri,
    redirectUriSent: params.has('redirect_uri'),
    state,
    query,
    scope: requestedScope(single('scope'), client, fail),
    codeChallenge: pkce(single('code_challenge'), single('code_challenge_method'), client, fail),
    dpopJkt: dpopJkt(single('dpop_jkt'), fail),
  };
}

/** RFC 9449 10: the key the client will prove at the code exchange. */
function dpopJkt(value: string | undefined, fail: Fail): string | null {
  if (value === undefined) return null;
  if (!JWK_THUMBPRINT.test(value)) throw fail('invalid_request', 'dpop_jkt must be a JWK SHA-256 thumbprint');
  return value;
}

function trustedClient(clientId: string | undefined, find: (id: string) => ClientEntity | null): ClientEntity {
  if (!clientId)
    throw new AuthorizationPageError('Invalid request', 'The request names no client (client_id is missing).');
  const client = clientId.length <= 200 ? find(clientId) : null;
  if (!client || !client.grant_types.includes('authorization_code')) {
    throw new AuthorizationPageError('Unknown client', 'This application is not registered for sign-in here.');
  }
  return client;
}

function trustedRedirectUri(client: ClientEntity, requested: string | undefined): string {
  if (requested === undefined) {
    // RFC 6749 3.1.2.3: may be omitted only when exactly one is registered.
    if (client.redirect_uris.length === 1) return client.redirect_uris[0];
    throw new AuthorizationPageError(
      'Invalid redirect URI',
      'The request has no redirect_uri and the client has several.',
    );
  }
  if (!redirectUriMatches(requested, client.redirect_uris)) {
    throw new AuthorizationPageError('Invalid redirect URI', 'The redirect_uri is not registered for this client.');
  }
  return requested;
}

type Fail = (error: string, description: string) => AuthorizationRedirectError;

function requestedScope(value: string | undefined, client: ClientEntity, fail: Fail): string[] {
  if (value === undefined) return scopeList(client.scope);
  let wanted: string[];
  try {
    wanted = parseScope(value);
  } catch {
    throw fail('invalid_scope', 'scope is malformed');
  }
  const excess = scopeExcess(wanted, scopeList(client.scope));
  if (excess.length > 0) throw fail('invalid_scope', `scope not allowed for this client: ${excess.join(' ')}`);
  return wanted;
}

/** RFC 7636 4.3 and RFC 9700 2.1.1: S256 only; required of public clients and, by default, of all. */
function pkce(
  challenge: string | undefined,
  method: string | undefined,
  client: ClientEntity,
  fail: Fail,
): string | null {
  if (challenge === undefined) {
    if (method !== undefined) throw fail('invalid_request', 'code_challenge_method without code_challenge');
    if (client.token_endpoint_auth_method === 'none' || client.require_pkce)
      throw fail('invalid_request', 'code_challenge (PKCE, S256) is required');
    return null;
  }
  if (method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256');
  if (!CODE_CHALLENGE.test(challenge)) throw fail('invalid_request', 'code_challenge is malformed');
  return challenge;
}
