import { Inject, Injectable } from '@nestjs/common';
import { authorizationConfig, type AuthorizationConfig } from '#config';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage.js';

/**
 * Failed sign-ins are counted per username (LOGIN_MAX_FAILURES) and per address
 * (LOGIN_MAX_FAILURES_PER_ADDRESS, higher: many users may share one address) within
 * LOGIN_FAILURE_WINDOW seconds; past either limit, attempts are refused until the window
 * passes. The counters are the rate-limit store's: shared through Redis when REDIS_URL is set.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    private readonly storage: RateLimitStorage,
  ) {}

  /** Seconds until sign-in may be tried again, or 0. */
  async retryAfter(username: string, address: string): Promise<number> {
    const limits = [this.config.loginMaxFailures, this.config.loginMaxFailuresPerAddress];
    const counts = await Promise.all(this.keys(username, address).map((key) => this.storage.peek(key)));
    const waits = counts.map((c, i) => (c.hits >= limits[i] ? Math.max(1, Math.ceil(c.resetInMs / 1000)) : 0));
    return Math.max(...waits);
  }

  async recordFailure(username: string, address: string): Promise<void> {
    const windowMs = this.config.loginFailureWindow * 1000;
    await Promise.all(this.keys(username, address).map((key) => this.storage.increment(key, windowMs)));
  }

  async recordSuccess(username: string): Promise<void> {
    await this.storage.reset(this.keys(username, '')[0]);
  }

  private keys(username: string, address: string): string[] {
    return [`login:user:${username.toLowerCase()}`, `login:addr:${address}`];
  }
}
