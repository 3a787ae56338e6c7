import type { Request } from 'express';
import { decodeJwt } from 'jose';
import { ClientAuthMethod, InvalidClientError, InvalidRequestError, JWT_BEARER_ASSERTION_TYPE } from '#oauth';
import type { PresentedClientCredentials } from './client-authentication.service.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * RFC 6749 2.3.1: client_id and client_secret are form-url-encoded before being joined by a
 * colon and base64-encoded, so they are decoded after splitting at the first colon.
 */
export function parseBasicCredentials(header: string): { clientId: string; clientSecret: string } {
  const malformed = () => new InvalidClientError('malformed HTTP Basic credentials', true);
  const match = /^Basic +(\S+) *$/i.exec(header);
  if (!match || match[1].length % 4 !== 0 || !BASE64.test(match[1])) throw malformed();
  const decoded = Buffer.from(match[1], 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(decoded);
  } catch {
    throw malformed();
  }
  const colon = text.indexOf(':');
  if (colon <= 0) throw malformed();
  try {
    const clientId = formDecode(text.slice(0, colon));
    const clientSecret = formDecode(text.slice(colon + 1));
    if (clientSecret === '') throw malformed();
    return { clientId, clientSecret };
  } catch {
    throw malformed();
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** The form parameters of the token request, parsed by FormBodyGuard. */
export function formParams(req: Request): Record<string, string> {
  return (req.body ?? {}) as Record<string, string>;
}

/**
 * RFC 6749 2.3: the client authenticates with exactly one method, read from the request:
 * HTTP Basic, client_secret in the body, a client assertion (RFC 7521 4.2), or client_id alone (a
 * public client).
 */
export function detectClientAuthMethod(req: Request): ClientAuthMethod {
  const body = formParams(req);
  const header = req.headers.authorization;
  if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) return assertionMethod(req);
  if (header !== undefined) {
    if (body.client_secret !== undefined) {
      throw new InvalidRequestError('the client used more than one authentication method');
    }
    if (!/^Basic /i.test(header)) throw new InvalidClientError('unsupported client authentication scheme', true);
    return ClientAuthMethod.ClientSecretBasic;
  }
  if (body.client_secret !== undefined) return ClientAuthMethod.ClientSecretPost;
  if (body.client_id !== undefined) return ClientAuthMethod.None;
  throw new InvalidClientError('client authentication is required', false);
}

/**
 * RFC 7521 4.2, RFC 7523 2.2: a JWT bearer assertion, and nothing else: an assertion sent together with
 * a secret is refused as invalid_client (RFC 7521 4.2.1), like every other assertion problem.
 */
function assertionMethod(req: Request): ClientAuthMethod {
  const body = formParams(req);
  const basic = req.headers.authorization !== undefined && /^Basic /i.test(req.headers.authorization);
  if (req.headers.authorization !== undefined || body.client_secret !== undefined)
    throw new InvalidClientError('the client used more than one authentication method', basic);
  if (body.client_assertion_type !== JWT_BEARER_ASSERTION_TYPE)
    throw new InvalidClientError(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`, false);
  if (body.client_assertion === undefined) throw new InvalidClientError('client_assertion is missing', false);
  return ClientAuthMethod.PrivateKeyJwt;
}

/**
 * RFC 7521 4.2: client_id may be sent beside the assertion; the client is the one the assertion names
 * (its sub, which must also be its iss), and a client_id naming another is refused when the assertion
 * is verified. This reads the claim unverified, only to find the client whose keys verify it.
 */
function assertedClientId(body: Record<string, string>): string {
  if (body.client_id !== undefined) return body.client_id;
  try {
    const sub = decodeJwt(body.client_assertion ?? '').sub;
    return typeof sub === 'string' ? sub : '';
  } catch {
    return '';
  }
}

/** The credentials the request carries for the method it uses. */
export function presentedCredentials(req: Request): PresentedClientCredentials {
  const method = detectClientAuthMethod(req);
  if (method === ClientAuthMethod.ClientSecretBasic) {
    return { method, ...parseBasicCredentials(req.headers.authorization ?? '') };
  }
  const body = formParams(req);
  if (method === ClientAuthMethod.PrivateKeyJwt) {
    return { method, clientId: assertedClientId(body), clientAssertion: body.client_assertion };
  }
  // RFC 6749 2.3.1: client_id and client_secret in the body; token_endpoint_auth_method none: client_id alone.
  if (method === ClientAuthMethod.ClientSecretPost) {
    return { method, clientId: body.client_id ?? '', clientSecret: body.client_secret };
  }
  return { method, clientId: body.client_id ?? '' };
}
