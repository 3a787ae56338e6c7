import { Injectable } from '@nestjs/common';
import { Clock } from '#config';
import { AuditService } from '../audit/audit.service.js';

export const FAILURE_BURST = { count: 5, windowMs: 60_000 };
const MAX_TRACKED = 10_000;

/**
 * Records a security event when a registered client fails authentication FAILURE_BURST.count
 * times within the window: once per burst, not once per failure. Counts are per instance.
 */
@Injectable()
export class AuthFailureMonitor {
  private readonly failures = new Map<string, { since: number; count: number; reported: boolean }>();

  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async failed(clientId: string): Promise<void> {
    const now = this.clock.now();
    let entry = this.failures.get(clientId);
    if (!entry || now - entry.since > FAILURE_BURST.windowMs) {
      if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
      entry = { since: now, count: 0, reported: false };
      this.failures.set(clientId, entry);
    }
    entry.count += 1;
    if (entry.count >= FAILURE_BURST.count && !entry.reported) {
      entry.reported = true;
      await this.audit.log({
        actor: 'system',
        action: 'client.authentication_failures',
        target_type: 'client',
        target_id: clientId,
        reason: `${entry.count} failed client authentications within ${FAILURE_BURST.windowMs / 1000} s`,
      });
    }
  }
}
