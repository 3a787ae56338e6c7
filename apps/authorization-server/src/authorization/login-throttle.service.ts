import { Inject, Injectable } from '@nestjs/common';
import { Clock, authorizationConfig, type AuthorizationConfig } from '#config';

const MAX_TRACKED = 50_000;

/**
 * Failed sign-ins are counted per username (LOGIN_MAX_FAILURES) and per address
 * (LOGIN_MAX_FAILURES_PER_ADDRESS, higher: many users may share one address) within
 * LOGIN_FAILURE_WINDOW seconds; past either limit, attempts are refused until the window
 * passes. Counts live in this instance's memory.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, { since: number; count: number }>();

  constructor(
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    private readonly clock: Clock,
  ) {}

  /** Seconds until sign-in may be tried again, or 0. */
  retryAfter(username: string, address: string): number {
    const now = this.clock.now();
    const limits = [this.config.loginMaxFailures, this.config.loginMaxFailuresPerAddress];
    const waits = this.keys(username, address).map((key, i) => {
      const entry = this.failures.get(key);
      if (!entry || now - entry.since >= this.windowMs || entry.count < limits[i]) return 0;
      return Math.ceil((entry.since + this.windowMs - now) / 1000);
    });
    return Math.max(...waits);
  }

  recordFailure(username: string, address: string): void {
    const now = this.clock.now();
    for (const key of this.keys(username, address)) {
      const entry = this.failures.get(key);
      if (entry && now - entry.since < this.windowMs) {
        entry.count += 1;
        continue;
      }
      if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
      this.failures.set(key, { since: now, count: 1 });
    }
  }

  recordSuccess(username: string): void {
    this.failures.delete(`user:${username.toLowerCase()}`);
  }

  private get windowMs(): number {
    return this.config.loginFailureWindow * 1000;
  }

  private keys(username: string, address: string): string[] {
    return [`user:${username.toLowerCase()}`, `addr:${address}`];
  }
}
