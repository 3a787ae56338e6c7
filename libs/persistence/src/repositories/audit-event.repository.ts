import type { AuditEventEntity } from '../entities/audit-event.entity.js';
import type { KeysetAfter } from '../keyset.js';
import type { AuditRecord } from './refresh-token.repository.js';

/** What the audit log can be filtered by; instants in epoch milliseconds. */
export interface AuditEventFilter {
  action?: string;
  actor?: string;
  target_id?: string;
  /** Inclusive. */
  occurred_after?: number;
  /** Exclusive. */
  occurred_before?: number;
}

/** The audit_event table. */
export abstract class AuditEventRepository {
  abstract insert(event: AuditRecord): Promise<void>;
  /** Newest first, keyset-paged by (occurred_at, id), one row more than `limit`. */
  abstract listNewestFirst(filter: AuditEventFilter, limit: number, after?: KeysetAfter): Promise<AuditEventEntity[]>;
}
