import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '#config';
import { AuditEventRepository, AuditRecord } from '#persistence';

export interface AuditInput {
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  reason?: string | null;
}

/** Records admin actions and security events. */
@Injectable()
export class AuditService {
  constructor(
    private readonly events: AuditEventRepository,
    private readonly clock: Clock,
  ) {}

  /** An audit record to store, e.g. inside a repository transaction. */
  record(input: AuditInput): AuditRecord {
    return {
      id: randomUUID(),
      occurred_at: this.clock.now(),
      reason: null,
      ...input,
      target_id: input.target_id.slice(0, 255),
    };
  }

  async log(input: AuditInput): Promise<void> {
    await this.events.insert(this.record(input));
  }
}
