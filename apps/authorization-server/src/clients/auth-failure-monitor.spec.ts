import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Clock } from '#config';
import type { AuditInput, AuditService } from '../audit/audit.service.js';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage.js';
import type { RedisConnection } from '../redis/redis.provider.js';
import { AuthFailureMonitor, FAILURE_BURST } from './auth-failure-monitor.js';

class ManualClock extends Clock {
  at = Date.parse('2030-01-01T00:00:00Z');
  override now(): number {
    return this.at;
  }
}

/** The audit events recorded, in place of the database. */
function fakeAudit(): { service: AuditService; events: AuditInput[] } {
  const events: AuditInput[] = [];
  const service = { log: async (input: AuditInput) => void events.push(input) } as unknown as AuditService;
  return { service, events };
}

/** The in-memory rate-limit store, as without REDIS_URL. */
function memoryStore(clock: Clock): RateLimitStorage {
  return new RateLimitStorage({ client: null } as RedisConnection, clock);
}

describe(AuthFailureMonitor.name, () => {
  let clock: ManualClock;
  let store: RateLimitStorage;
  let audit: ReturnType<typeof fakeAudit>;
  let monitor: AuthFailureMonitor;

  beforeEach(() => {
    clock = new ManualClock();
    store = memoryStore(clock);
    audit = fakeAudit();
    monitor = new AuthFailureMonitor(audit.service, store);
  });
  afterEach(() => jest.restoreAllMocks());

  const fail = async (clientId: string, times: number, on = monitor) => {
    for (let i = 0; i < times; i++) await on.failed(clientId);
  };

  it('records nothing below the burst count', async () => {
    await fail('client-a', FAILURE_BURST.count - 1);
    expect(audit.events).toEqual([]);
  });

  it('records one event when the count is reached, and none for further failures in the window', async () => {
    await fail('client-a', FAILURE_BURST.count);
    expect(audit.events).toEqual([
      {
        actor: 'system',
        action: 'client.authentication_failures',
        target_type: 'client',
        target_id: 'client-a',
        reason: '5 failed client authentications within 60 s',
      },
    ]);
    await fail('client-a', 20);
    expect(audit.events).toHaveLength(1);
  });

  it('counts each client on its own', async () => {
    await fail('client-a', FAILURE_BURST.count - 1);
    await fail('client-b', FAILURE_BURST.count - 1);
    expect(audit.events).toEqual([]);
    await fail('client-b', 1);
    expect(audit.events.map((e) => e.target_id)).toEqual(['client-b']);
  });

  it('starts a new burst once the window has passed', async () => {
    await fail('client-a', FAILURE_BURST.count);
    clock.at += FAILURE_BURST.windowMs - 1;
    await fail('client-a', FAILURE_BURST.count);
    expect(audit.events).toHaveLength(1);
    clock.at += 1;
    await fail('client-a', FAILURE_BURST.count - 1);
    expect(audit.events).toHaveLength(1);
    await fail('client-a', 1);
    expect(audit.events).toHaveLength(2);
  });

  it('counts in the shared store: two monitors (two instances) see one burst and record it once', async () => {
    const other = new AuthFailureMonitor(audit.service, store);
    for (let i = 0; i < 3 * FAILURE_BURST.count; i++) await (i % 2 === 0 ? monitor : other).failed('client-a');
    expect(audit.events).toHaveLength(1);
    expect(await store.peek('authfail:client:client-a')).toEqual({
      hits: 3 * FAILURE_BURST.count,
      resetInMs: FAILURE_BURST.windowMs,
    });
  });

  it('records one event for concurrent failures', async () => {
    const other = new AuthFailureMonitor(audit.service, store);
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? monitor : other).failed('client-a')));
    expect(audit.events).toHaveLength(1);
  });

  it('logs a warning without the client id and goes on when the store does not answer', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const failure = Object.assign(new Error('connect ECONNREFUSED redis://:hunter2@cache:6379'), {
      code: 'ECONNREFUSED',
    });
    jest.spyOn(store, 'incrementOrThrow').mockRejectedValue(failure);
    await expect(fail('client-secret-looking-id', FAILURE_BURST.count + 1)).resolves.toBeUndefined();
    expect(audit.events).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(FAILURE_BURST.count + 1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toMatch(/hunter2|redis:|client-secret-looking-id/);
  });
});
