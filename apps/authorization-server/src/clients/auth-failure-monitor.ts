import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage.js';

export const FAILURE_BURST = { count: 5, windowMs: 60_000 };

/**
 * Records a security event when a registered client fails authentication FAILURE_BURST.count
 * times within a window: once per burst, not once per failure. Failures are counted in the
 * rate-limit store, which every instance shares through Redis when REDIS_URL is set: a burst
 * spread over the instances behind a load balancer is one burst, and only the failure that brings
 * the shared count to exactly FAILURE_BURST.count records the event. The count is an audit
 * signal, not a limit: when the store does not answer, the failure is logged and the client
 * still gets its 401.
 */
@Injectable()
export class AuthFailureMonitor {
  private readonly logger = new Logger(AuthFailureMonitor.name);

  constructor(
    private readonly audit: AuditService,
    private readonly storage: RateLimitStorage,
  ) {}

  async failed(clientId: string): Promise<void> {
    let hits: number;
    try {
      ({ hits } = await this.storage.incrementOrThrow(`authfail:client:${clientId}`, FAILURE_BURST.windowMs));
    } catch (e) {
      // The kind of error only: a Redis error message may carry the URL and its password.
      this.logger.warn(
        `a failed client authentication was not counted: the rate-limit store did not answer (${kindOf(e)})`,
      );
      return;
    }
    if (hits !== FAILURE_BURST.count) return;
    await this.audit.log({
      actor: 'system',
      action: 'client.authentication_failures',
      target_type: 'client',
      target_id: clientId,
      reason: `${hits} failed client authentications within ${FAILURE_BURST.windowMs / 1000} s`,
    });
  }
}

/** An error's code or class, never its message (which may carry a URL with a password). */
export function kindOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  return e instanceof Error ? e.constructor.name : typeof e;
}
