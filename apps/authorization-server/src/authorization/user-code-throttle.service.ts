import { Inject, Injectable } from '@nestjs/common';
import { authorizationConfig, type AuthorizationConfig } from '#config';
import { AuditService } from '../audit/audit.service.js';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage.js';
import { reserveAttempt } from './login-throttle.service.js';

/** A user-code lookup: what it found, or null with the seconds to wait when it was refused unchecked. */
export type UserCodeAttempt<T> = { found: T | null; retryAfter: 0 } | { found: null; retryAfter: number };

/**
 * RFC 8628 5.1: user codes entered are counted per client address (DEVICE_USER_CODE_MAX_ATTEMPTS within
 * DEVICE_USER_CODE_WINDOW seconds) in the sign-in throttle's store. Each attempt is reserved
 * before the lookup, so a concurrent burst gets no more lookups than the limit. Unlike a sign-in, a right
 * code keeps its hit: anyone can get a right code of their own from the device authorization endpoint,
 * and giving hits back for those would let a guesser alternate them with guesses without end.
 */
@Injectable()
export class UserCodeThrottle {
  constructor(
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    private readonly storage: RateLimitStorage,
    private readonly audit: AuditService,
  ) {}

  async lookup<T>(address: string, find: () => Promise<T | null>): Promise<UserCodeAttempt<T>> {
    const { userCodeMaxAttempts: limit, userCodeWindow: window } = this.config;
    const retryAfter = await reserveAttempt(this.storage, this.audit, {
      key: `device:addr:${address}`,
      limit,
      windowSeconds: window,
      action: 'device.user_code_throttled',
      targetType: 'address',
      target: address,
      reason: `more than ${limit} user codes entered within ${window} s`,
    });
    if (retryAfter > 0) return { found: null, retryAfter };
    return { found: await find(), retryAfter: 0 };
  }
}
