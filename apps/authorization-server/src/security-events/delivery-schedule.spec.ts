import { MAX_RETRY_DELAY_MS, accepted, outcomeOf, retryDelayMs } from './delivery-schedule.js';

describe(retryDelayMs.name, () => {
  it('doubles from the base after each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never waits more than an hour', () => {
    expect(retryDelayMs(30, 1000)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1, 2 * MAX_RETRY_DELAY_MS)).toBe(MAX_RETRY_DELAY_MS);
  });
});

describe(outcomeOf.name, () => {
  const policy = { maxAttempts: 4, backoffBaseMs: 1000 };

  it('counts 202 and 200 as delivered (RFC 8935 2.2), anything else or no answer as a failed attempt', () => {
    expect([202, 200].map(accepted)).toEqual([true, true]);
    expect([201, 204, 301, 400, 500, null].map(accepted)).toEqual([false, false, false, false, false, false]);
    expect(outcomeOf(202, 4, 0, policy)).toEqual({ status: 'delivered' });
  });

  it('retries after the backoff until the last attempt, then fails', () => {
    expect(outcomeOf(500, 1, 10_000, policy)).toEqual({ status: 'pending', next_attempt_at: 11_000 });
    expect(outcomeOf(null, 3, 10_000, policy)).toEqual({ status: 'pending', next_attempt_at: 14_000 });
    expect(outcomeOf(500, 4, 10_000, policy)).toEqual({ status: 'failed' });
  });
});
