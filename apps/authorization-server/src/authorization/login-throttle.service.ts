import { Inject, Injectable } from '@nestjs/common';
import { authorizationConfig, type AuthorizationConfig } from '#config';
import type { UserEntity } from '#persistence';
import { AuditService } from '../audit/audit.service.js';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage.js';
import { UsersService } from '../users/users.service.js';

/** A sign-in attempt: the user, or null with the seconds to wait when the attempt was refused unverified. */
export type SignInAttempt = { user: UserEntity; retryAfter: 0 } | { user: null; retryAfter: number };

/**
 * Failed sign-ins are counted per username (LOGIN_MAX_FAILURES) and per address
 * (LOGIN_MAX_FAILURES_PER_ADDRESS, higher: many users may share one address) within
 * LOGIN_FAILURE_WINDOW seconds; past either limit, attempts are refused until the window
 * passes. Each attempt is reserved (counted) before the password is hashed, so a burst of
 * concurrent attempts gets no more verifications than the limit; a success takes its hits back.
 * The sign-in page and the password grant both sign in here. The counters are the rate-limit
 * store's: shared through Redis when REDIS_URL is set.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    private readonly storage: RateLimitStorage,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async verifyCredentials(username: string, password: string, address: string): Promise<SignInAttempt> {
    const addressKey = `login:addr:${address}`;
    const userKey = `login:user:${username.toLowerCase()}`;
    // The address first: attempts from an address already refused do not touch the username's count.
    let retryAfter = await this.reserve(addressKey, this.config.loginMaxFailuresPerAddress, 'address', address);
    if (retryAfter === 0)
      retryAfter = await this.reserve(userKey, this.config.loginMaxFailures, 'username', username.toLowerCase());
    if (retryAfter > 0) return { user: null, retryAfter };
    const user = await this.users.verifyCredentials(username, password);
    if (!user) return { user: null, retryAfter: 0 };
    await Promise.all([this.storage.reset(userKey), this.storage.giveBack(addressKey)]);
    return { user, retryAfter: 0 };
  }

  private reserve(key: string, limit: number, targetType: string, target: string): Promise<number> {
    const window = this.config.loginFailureWindow;
    return reserveAttempt(this.storage, this.audit, {
      key,
      limit,
      windowSeconds: window,
      action: 'login.throttled',
      targetType,
      target,
      reason: `more than ${limit} failed sign-in attempts within ${window} s`,
    });
  }
}

/** One throttled kind of attempt: its counter, limit and window, and the audit event of its first refusal. */
export interface ThrottledAttempt {
  key: string;
  limit: number;
  windowSeconds: number;
  action: string;
  targetType: string;
  target: string;
  reason: string;
}

/**
 * Counts an attempt; answers 0 within the limit, else the seconds until the window closes. The first
 * refused attempt of a window records one audit event.
 */
export async function reserveAttempt(
  storage: RateLimitStorage,
  audit: AuditService,
  attempt: ThrottledAttempt,
): Promise<number> {
  const { hits, resetInMs } = await storage.increment(attempt.key, attempt.windowSeconds * 1000);
  if (hits <= attempt.limit) return 0;
  // The count is atomic: exactly one attempt per window sees limit + 1, on any instance.
  if (hits === attempt.limit + 1) {
    await audit.log({
      actor: 'system',
      action: attempt.action,
      target_type: attempt.targetType,
      target_id: attempt.target,
      reason: attempt.reason,
    });
  }
  return Math.max(1, Math.ceil(resetInMs / 1000));
}
