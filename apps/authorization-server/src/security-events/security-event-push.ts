import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { bareHost, isNonPublicHost, publicOnlyLookup } from '#oauth';
import type { DeliveryAttempt } from '#persistence';
import { securityEventEndpointProblem } from '../clients/client-registration-rules.js';

/** What a delivery may reach, from the settings. */
export interface PushPolicy {
  /** SECURITY_EVENTS_TIMEOUT_MS: the receiver's time to answer. */
  readonly timeoutMs: number;
  /** SECURITY_EVENTS_ALLOW_HTTP: http to a loopback host (127.0.0.1, [::1], localhost) is allowed. */
  readonly allowHttp: boolean;
  /** SECURITY_EVENTS_ALLOW_PRIVATE: an https endpoint may reach loopback, private and other non-public addresses. */
  readonly allowPrivate: boolean;
}

/** The attempt, and whether it was refused before any request (the endpoint is not allowed: no retry helps). */
export interface PushResult {
  readonly attempt: DeliveryAttempt;
  readonly refused: boolean;
}

const NOT_PUBLIC =
  'security_event_endpoint is on a non-public address (allowed only with SECURITY_EVENTS_ALLOW_PRIVATE=true); nothing sent';
const RESOLVES_NOT_PUBLIC =
  'security_event_endpoint resolves to a non-public address (allowed only with SECURITY_EVENTS_ALLOW_PRIVATE=true); nothing sent';

/** Made by the guarded DNS lookup: the name has an address that is not public. */
class NotPublicError extends Error {}

const PUBLIC_ONLY = publicOnlyLookup(() => new NotPublicError(RESOLVES_NOT_PUBLIC));

/** May this endpoint be pushed to, and must its DNS answers be public? Decided before any request. */
export type EndpointDecision = { refusal: string } | { refusal: null; publicOnly: boolean };

/**
 * The registration rule first (https; http only on a loopback host with SECURITY_EVENTS_ALLOW_HTTP), checked
 * again because the settings may have changed since. Then, an SSRF guard like jwks_uri's: an https endpoint
 * on a host known not to be public is refused, and any other name must resolve to public addresses only,
 * unless SECURITY_EVENTS_ALLOW_PRIVATE. The loopback http receivers SECURITY_EVENTS_ALLOW_HTTP admits are
 * the operator's own choice, so that setting alone lets them through.
 */
export function endpointDecision(endpoint: string, policy: PushPolicy): EndpointDecision {
  const problem = securityEventEndpointProblem(endpoint, { securityEventsAllowHttp: policy.allowHttp });
  if (problem !== null) return { refusal: problem };
  const url = new URL(endpoint);
  if (url.protocol === 'http:' || policy.allowPrivate) return { refusal: null, publicOnly: false };
  if (isNonPublicHost(bareHost(url))) return { refusal: NOT_PUBLIC };
  return { refusal: null, publicOnly: true };
}

/**
 * RFC 8935 2: POSTs the SET as the body, `application/secevent+jwt`. Redirects are not followed (a redirect
 * is a failed attempt); the receiver's body is not read, only its status, within the timeout. The error names
 * what happened, never the SET or the endpoint.
 */
export function pushSecurityEvent(
  endpoint: string,
  set: string,
  policy: PushPolicy,
  attemptedAt: number,
): Promise<PushResult> {
  const decision = endpointDecision(endpoint, policy);
  if (decision.refusal !== null)
    return Promise.resolve({
      attempt: { attempted_at: attemptedAt, status_code: null, error: decision.refusal, duration_ms: 0 },
      refused: true,
    });
  const started = performance.now();
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        'content-length': Buffer.byteLength(set),
      },
      ...(decision.publicOnly ? { lookup: PUBLIC_ONLY } : {}),
    });
    // Settles once; the connection is torn down whatever the outcome, the body unread.
    let settled = false;
    const finish = (status_code: number | null, error: string | null, refused = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      const duration_ms = Math.round(performance.now() - started);
      resolve({ attempt: { attempted_at: attemptedAt, status_code, error, duration_ms }, refused });
    };
    const deadline = setTimeout(() => finish(null, `no answer within ${policy.timeoutMs} ms`), policy.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof NotPublicError) finish(null, e.message, true);
      else finish(null, networkError(e));
    });
    req.on('response', (res) => finish(res.statusCode ?? null, null));
    req.end(set);
  });
}

function networkError(e: NodeJS.ErrnoException): string {
  return `network error${e.code ? ` (${e.code})` : ''}`;
}
