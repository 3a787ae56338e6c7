import { ClientAuthMethod, GrantType, scopeList } from '#oauth';
import { jwksProblem, jwksUriProblem } from './client-key-rules.js';

/** What the rules look at: a client as it would be stored after a registration or a change. */
export interface RegisteredClientShape {
  token_endpoint_auth_method: string;
  grant_types: readonly string[];
  redirect_uris: readonly string[];
  scope: string;
  refresh_token_rotation: boolean;
  jwks?: unknown;
  jwks_uri?: string | null;
  security_event_endpoint?: string | null;
}

export interface RegistrationPolicy {
  /** ADMIN_SCOPE_WITH_USER_GRANTS: an admin scope may sit beside a grant a user signs in through. */
  adminScopeWithUserGrants: boolean;
  /** JWKS_URI_ALLOW_PRIVATE: a jwks_uri may use http and name a loopback or private address. */
  jwksUriAllowPrivate: boolean;
  /** SECURITY_EVENTS_ALLOW_HTTP: a security_event_endpoint may use http on a loopback host. */
  securityEventsAllowHttp: boolean;
}

const ADMIN_SCOPES = ['admin', 'admin:read'];
const USER_GRANTS: readonly string[] = [GrantType.Password, GrantType.AuthorizationCode, GrantType.DeviceCode];
// RFC 9700 2.6 (and RFC 8252 7.3): plain http only for loopback redirects of native apps.
const LOOPBACK_HOSTS = ['127.0.0.1', '[::1]', 'localhost'];

/**
 * The first rule the client breaks, as the message of a 400, or null. Registration (POST) and change
 * (PATCH) both check the resulting client here, so one rule cannot be dodged by the other route.
 */
export function registrationProblem(client: RegisteredClientShape, policy: RegistrationPolicy): string | null {
  const isPublic = client.token_endpoint_auth_method === ClientAuthMethod.None;
  const grants = client.grant_types;
  // RFC 6749 4.4: the client credentials grant is for confidential clients only.
  if (isPublic && grants.includes(GrantType.ClientCredentials))
    return 'a public client (token_endpoint_auth_method none) cannot use client_credentials';
  // RFC 9700 2.4: the password grant must not be used; never by a client that cannot keep a secret.
  if (isPublic && grants.includes(GrantType.Password))
    return 'RFC 9700 2.4: a public client (token_endpoint_auth_method none) cannot use the password grant';
  // RFC 9700 2.2.2: a public client's refresh tokens must be rotated (they are not sender-constrained here).
  if (isPublic && !client.refresh_token_rotation)
    return 'RFC 9700 2.2.2: a public client (token_endpoint_auth_method none) needs refresh_token_rotation true';
  // RFC 6749 3.1.2: absolute URIs without a fragment.
  if (client.redirect_uris.some((u) => u.includes('#'))) return 'redirect_uris must not contain a fragment';
  const plain = client.redirect_uris.find((u) => !secureOrLoopback(u));
  if (plain !== undefined)
    return `RFC 9700 2.6: redirect_uris must use https except on a loopback host (127.0.0.1, [::1], localhost): ${plain}`;
  if (grants.includes(GrantType.AuthorizationCode) && client.redirect_uris.length === 0)
    return 'a client using authorization_code needs at least one redirect_uri';
  const admin = scopeList(client.scope).find((s) => ADMIN_SCOPES.includes(s));
  const userGrant = grants.find((g) => USER_GRANTS.includes(g));
  if (admin !== undefined && userGrant !== undefined && !policy.adminScopeWithUserGrants)
    return `a client with the ${admin} scope cannot use the ${userGrant} grant: a user's token would carry admin rights (ADMIN_SCOPE_WITH_USER_GRANTS=true allows it)`;
  return keysProblem(client, policy) ?? securityEventEndpointProblem(client.security_event_endpoint, policy);
}

/**
 * RFC 8935 2: SETs are pushed over TLS; plain http only to a loopback receiver, when the operator allows it.
 * Checked at registration and again at every delivery.
 */
export function securityEventEndpointProblem(
  endpoint: string | null | undefined,
  policy: Pick<RegistrationPolicy, 'securityEventsAllowHttp'>,
): string | null {
  if (endpoint === undefined || endpoint === null) return null;
  if (!URL.canParse(endpoint)) return 'security_event_endpoint must be an absolute https URL';
  const url = new URL(endpoint);
  if (url.username !== '' || url.password !== '') return 'security_event_endpoint must not contain credentials';
  if (endpoint.includes('#')) return 'security_event_endpoint must not contain a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && policy.securityEventsAllowHttp && LOOPBACK_HOSTS.includes(url.hostname)) return null;
  return 'security_event_endpoint must use https (http only on a loopback host, with SECURITY_EVENTS_ALLOW_HTTP=true)';
}

/** RFC 7523 2.2 (RFC 7591 2): private_key_jwt needs the client's public keys, inline or by URL, and nothing else has them. */
function keysProblem(client: RegisteredClientShape, policy: RegistrationPolicy): string | null {
  const hasJwks = client.jwks !== undefined && client.jwks !== null;
  const hasUri = client.jwks_uri !== undefined && client.jwks_uri !== null;
  if (client.token_endpoint_auth_method !== ClientAuthMethod.PrivateKeyJwt)
    return hasJwks || hasUri ? 'jwks and jwks_uri are only for token_endpoint_auth_method private_key_jwt' : null;
  if (hasJwks === hasUri) return 'a private_key_jwt client needs exactly one of jwks and jwks_uri';
  return hasJwks ? jwksProblem(client.jwks) : jwksUriProblem(client.jwks_uri as string, policy.jwksUriAllowPrivate);
}

function secureOrLoopback(uri: string): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
}
