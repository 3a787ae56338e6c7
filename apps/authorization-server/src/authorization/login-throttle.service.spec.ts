import { Clock, type AuthorizationConfig } from '#config';
import type { UserEntity } from '#persistence';
import type { AuditInput, AuditService } from '../audit/audit.service.js';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage.js';
import type { RedisConnection } from '../redis/redis.provider.js';
import type { UsersService } from '../users/users.service.js';
import { LoginThrottle } from './login-throttle.service.js';

const CONFIG = { loginMaxFailures: 5, loginMaxFailuresPerAddress: 20, loginFailureWindow: 900 } as AuthorizationConfig;
const ALICE = { id: 'u-1', username: 'alice' } as UserEntity;

describe(LoginThrottle.name, () => {
  let store: RateLimitStorage;
  let audit: AuditInput[];
  let verified: number;
  let throttle: LoginThrottle;

  beforeEach(() => {
    store = new RateLimitStorage({ client: null } as RedisConnection, new Clock());
    audit = [];
    verified = 0;
    // A slow password check, like scrypt: every attempt of a burst is in flight at once.
    const users = {
      verifyCredentials: async (username: string, password: string) => {
        verified += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return username === 'alice' && password === 'right' ? ALICE : null;
      },
    } as UsersService;
    const auditService = { log: async (input: AuditInput) => void audit.push(input) } as AuditService;
    throttle = new LoginThrottle(CONFIG, store, users, auditService);
  });

  it('checks no more passwords than the limit in a concurrent burst, then refuses the right one', async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, () => throttle.verifyCredentials('alice', 'x', 'a1')));
    expect(verified).toBe(5);
    expect(burst.filter((r) => r.retryAfter > 0)).toHaveLength(25);
    expect(await throttle.verifyCredentials('Alice', 'right', 'a2')).toEqual({ user: null, retryAfter: 900 });
    // Refused attempts count on the address too: 30 attempts from one address are past its 20.
    expect(audit.map((e) => [e.target_type, e.target_id, e.reason]).sort()).toEqual([
      ['address', 'a1', 'more than 20 failed sign-in attempts within 900 s'],
      ['username', 'alice', 'more than 5 failed sign-in attempts within 900 s'],
    ]);
    expect(audit.every((e) => e.actor === 'system' && e.action === 'login.throttled')).toBe(true);
  });

  it('leaves usernames alone once an address is refused', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => throttle.verifyCredentials(`user-${i}`, 'x', 'a1')));
    expect(verified).toBe(20);
    expect(audit.map((e) => [e.target_type, e.target_id])).toEqual([['address', 'a1']]);
    // The first 20 reached their usernames; the 5 refused by the address did not count on theirs.
    expect((await store.peek('login:user:user-0')).hits).toBe(1);
    expect((await store.peek('login:user:user-24')).hits).toBe(0);
  });

  it('on success, resets the username and gives the address hit back', async () => {
    for (let i = 0; i < 4; i++) await throttle.verifyCredentials('alice', 'x', 'a1');
    expect(await throttle.verifyCredentials('alice', 'right', 'a1')).toEqual({ user: ALICE, retryAfter: 0 });
    expect((await store.peek('login:user:alice')).hits).toBe(0);
    expect((await store.peek('login:addr:a1')).hits).toBe(4);
  });
});
