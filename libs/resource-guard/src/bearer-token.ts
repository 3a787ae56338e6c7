/** The parts of an HTTP request the token is read from. */
export interface HeaderSource {
  headers: { authorization?: string };
  rawHeaders?: string[];
}

export type BearerCredentials =
  { kind: 'token'; token: string } | { kind: 'none' } | { kind: 'malformed'; reason: string };

// RFC 6750 2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 11.1).
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const BEARER_SCHEME = /^Bearer(\s|$)/i;

/**
 * The bearer token of the Authorization header (RFC 6750 2.1), the only place it is read from:
 * `none` without Bearer credentials, `malformed` when they break the syntax.
 */
export function readBearerToken(req: HeaderSource): BearerCredentials {
  if (authorizationHeaderCount(req) > 1) return { kind: 'malformed', reason: 'more than one Authorization header' };
  const header = req.headers.authorization;
  if (!header || !BEARER_SCHEME.test(header)) return { kind: 'none' };
  const match = BEARER_CREDENTIALS.exec(header);
  if (!match)
    return { kind: 'malformed', reason: 'the Authorization header must be Bearer followed by exactly one token' };
  return { kind: 'token', token: match[1] };
}

/** Node keeps only the first of repeated Authorization headers; the raw list still has them all. */
function authorizationHeaderCount(req: HeaderSource): number {
  const names = (req.rawHeaders ?? []).filter((_, i) => i % 2 === 0);
  return names.filter((name) => name.toLowerCase() === 'authorization').length;
}
