import type { DeliveryAttempt } from '#persistence';

/**
 * RFC 8935 2: POSTs the SET as the body, `application/secevent+jwt`. Redirects are not followed (a
 * redirect is a failed attempt); the receiver's body is not read. The error names what happened, never
 * the SET or the endpoint.
 */
export async function pushSecurityEvent(
  endpoint: string,
  set: string,
  timeoutMs: number,
  attemptedAt: number,
): Promise<DeliveryAttempt> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
      body: set,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return { attempted_at: attemptedAt, status_code: res.status, error: null, duration_ms: took() };
  } catch (e) {
    return { attempted_at: attemptedAt, status_code: null, error: describe(e, timeoutMs), duration_ms: took() };
  }
}

function describe(e: unknown, timeoutMs: number): string {
  const error = e as { name?: string; cause?: { code?: string } };
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return `network error${error.cause?.code ? ` (${error.cause.code})` : ''}`;
}
