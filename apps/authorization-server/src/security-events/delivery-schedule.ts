import type { AttemptOutcome } from '#persistence';

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 3600_000;

/** The wait after the `failures`-th failed attempt in a row: base × 2^(failures−1), capped at an hour. */
export function retryDelayMs(failures: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(failures - 1, 0), MAX_RETRY_DELAY_MS);
}

/** RFC 8935 2.2: 202 Accepted is success (200 too); anything else, or no answer, is a failed attempt. */
export function accepted(statusCode: number | null): boolean {
  return statusCode === 202 || statusCode === 200;
}

/**
 * What an attempt leaves the event as: delivered when accepted; failed once `attempt` (1 for the first
 * since the event was queued) reaches `maxAttempts`; otherwise due again after the backoff.
 */
export function outcomeOf(
  statusCode: number | null,
  attempt: number,
  now: number,
  policy: { maxAttempts: number; backoffBaseMs: number },
): AttemptOutcome {
  if (accepted(statusCode)) return { status: 'delivered' };
  if (attempt >= policy.maxAttempts) return { status: 'failed' };
  return { status: 'pending', next_attempt_at: now + retryDelayMs(attempt, policy.backoffBaseMs) };
}
