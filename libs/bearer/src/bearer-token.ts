import { BearerError } from './bearer-error.js';

/** The parts of an HTTP request bearer credentials are read from. */
export interface HeaderSource {
  headers: { authorization?: string; 'content-type'?: string; dpop?: string | string[] };
  rawHeaders?: string[];
  query?: unknown;
  body?: unknown;
}

/** The scheme an access token was presented with: RFC 6750's Bearer, or RFC 9449's DPoP (with a proof). */
export type AccessTokenScheme = 'Bearer' | 'DPoP';

export type BearerCredentials =
  | { kind: 'token'; token: string; scheme: AccessTokenScheme }
  | { kind: 'none' }
  | { kind: 'malformed'; reason: string };

// RFC 6750 2.1 and RFC 9449 7.1: credentials = ("Bearer" / "DPoP") 1*SP token68; the scheme is case-insensitive (RFC 9110 11.1).
const BEARER_CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;
const BEARER_SCHEME = /^(Bearer|DPoP)(\s|$)/i;
const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * The bearer token of the Authorization header (RFC 6750 2.1), the only place it is read from:
 * `none` without Bearer credentials, `malformed` when they break the syntax or the request
 * carries a token another way as well (RFC 6750 2: one method per request).
 */
export function readBearerToken(req: HeaderSource): BearerCredentials {
  if (authorizationHeaderCount(req) > 1) return { kind: 'malformed', reason: 'more than one Authorization header' };
  const header = req.headers.authorization;
  if (!header || !BEARER_SCHEME.test(header)) return { kind: 'none' };
  const match = BEARER_CREDENTIALS.exec(header);
  const scheme: AccessTokenScheme = /^DPoP/i.test(header) ? 'DPoP' : 'Bearer';
  if (!match)
    return { kind: 'malformed', reason: `the Authorization header must be ${scheme} followed by exactly one token` };
  if (hasAccessToken(req.query)) return { kind: 'malformed', reason: 'an access token in the query as well' };
  if (FORM.test(req.headers['content-type'] ?? '') && hasAccessToken(req.body))
    return { kind: 'malformed', reason: 'an access token in the body as well' };
  return { kind: 'token', token: match[2], scheme };
}

/** The token of the request's bearer credentials; BearerError without or with malformed ones (RFC 6750 3.1). */
export function bearerToken(req: HeaderSource, missing?: string): string {
  const credentials = readBearerToken(req);
  if (credentials.kind === 'none') throw BearerError.missingToken(missing);
  if (credentials.kind === 'malformed') throw BearerError.invalidRequest(credentials.reason);
  return credentials.token;
}

/** Node keeps only the first of repeated Authorization headers; the raw list still has them all. */
function authorizationHeaderCount(req: HeaderSource): number {
  const names = (req.rawHeaders ?? []).filter((_, i) => i % 2 === 0);
  return names.filter((name) => name.toLowerCase() === 'authorization').length;
}

/** RFC 6750 2.2, 2.3: the access_token parameter of a form body or of the query. */
function hasAccessToken(params: unknown): boolean {
  return typeof params === 'object' && params !== null && Object.hasOwn(params, 'access_token');
}
