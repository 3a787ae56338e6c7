import type { SecurityEventAttemptEntity } from '../entities/security-event-attempt.entity.js';
import type { SecurityEventEntity, SecurityEventStatus } from '../entities/security-event.entity.js';
import type { KeysetAfter } from '../keyset.js';

/**
 * The events of one change, handed to the repository method that makes the change so that they are
 * written in its transaction (only for clients with a security_event_endpoint). `queued` is set by that
 * method: how many rows it wrote.
 */
export interface SecurityEventDraft {
  txn: string;
  type: string;
  reason: string | null;
  queued: number;
}

/** One event for one client, as the outbox stores it. */
export interface OutboxEvent {
  client_id: string;
  subject: string | null;
  family_ids: string[];
}

export interface SecurityEventFilter {
  client_id?: string;
  type?: string;
  status?: SecurityEventStatus;
}

export interface DeliveryAttempt {
  attempted_at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** What an attempt leaves the event as: delivered, due again at `next_attempt_at`, or failed for good. */
export type AttemptOutcome =
  { status: 'delivered' } | { status: 'pending'; next_attempt_at: number } | { status: 'failed' };

/** The security_event outbox and its delivery attempts. */
export abstract class SecurityEventRepository {
  /** Queues `event` for its client when the client has a security_event_endpoint; answers the rows written (0 or 1). */
  abstract queueForClient(draft: SecurityEventDraft, event: OutboxEvent, now: number): Promise<number>;
  /**
   * Claims up to `limit` pending events due at `now` that no live claim holds, until `claimUntil`: one
   * instance delivers each (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  abstract claimDue(now: number, claimUntil: number, limit: number): Promise<SecurityEventEntity[]>;
  /** Records an attempt and what it leaves the event as; the claim ends. */
  abstract recordAttempt(eventId: string, attempt: DeliveryAttempt, outcome: AttemptOutcome): Promise<void>;
  /** Newest first, keyset-paged by (created_at, id), one row more than `limit`. */
  abstract listNewestFirst(
    filter: SecurityEventFilter,
    limit: number,
    after?: KeysetAfter,
  ): Promise<SecurityEventEntity[]>;
  abstract findById(id: string): Promise<SecurityEventEntity | null>;
  /** Oldest first. */
  abstract attemptsOf(eventId: string): Promise<SecurityEventAttemptEntity[]>;
  /** Queues a delivered or failed event again, due at `now`, attempts kept; false when there is none such. */
  abstract requeue(id: string, now: number): Promise<boolean>;
}
