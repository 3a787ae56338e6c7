import { randomUUID } from 'node:crypto';
import type { SecurityEventAttemptEntity } from '../entities/security-event-attempt.entity.js';
import type { SecurityEventEntity } from '../entities/security-event.entity.js';
import type { KeysetAfter } from '../keyset.js';
import {
  type AttemptOutcome,
  type DeliveryAttempt,
  type OutboxEvent,
  type SecurityEventDraft,
  type SecurityEventFilter,
  SecurityEventRepository,
} from '../repositories/security-event.repository.js';
import { FAMILIES_PER_EVENT } from '../repositories/security-event.sql.js';
import type { FakeClientRepository } from './fake-client.repository.js';
import { newestFirstInMemory } from './in-memory-table.js';

/** The security_event outbox in memory, over the client fake (only clients with an endpoint get rows). */
export class FakeSecurityEventRepository extends SecurityEventRepository {
  private readonly rows = new Map<string, SecurityEventEntity>();
  private readonly attemptRows: SecurityEventAttemptEntity[] = [];

  constructor(private readonly clients: FakeClientRepository) {
    super();
  }

  /** Everything queued, oldest first. */
  get events(): readonly Readonly<SecurityEventEntity>[] {
    return [...this.rows.values()];
  }

  async queueForClient(draft: SecurityEventDraft, event: OutboxEvent, now: number): Promise<number> {
    return this.append(draft, event, now);
  }

  /** The insert the refresh-token fake makes inside its own "transaction"; 0 for a client without an endpoint. */
  append(draft: SecurityEventDraft, event: OutboxEvent, now: number): number {
    if (!this.clients.peek(event.client_id)?.security_event_endpoint) return 0;
    let added = 0;
    for (let i = 0; i < Math.max(event.family_ids.length, 1); i += FAMILIES_PER_EVENT) {
      const id = randomUUID();
      this.rows.set(id, {
        id,
        txn: draft.txn,
        client_id: event.client_id,
        type: draft.type,
        subject: event.subject,
        family_ids: event.family_ids.slice(i, i + FAMILIES_PER_EVENT),
        reason: draft.reason,
        created_at: now,
        status: 'pending',
        attempts: 0,
        round_attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        delivered_at: null,
        last_error: null,
      });
      added += 1;
    }
    draft.queued += added;
    return added;
  }

  async claimDue(now: number, claimUntil: number, limit: number): Promise<SecurityEventEntity[]> {
    const due = [...this.rows.values()]
      .filter((e) => e.status === 'pending' && e.next_attempt_at <= now && (e.claimed_until ?? 0) <= now)
      .slice(0, limit);
    for (const e of due) e.claimed_until = claimUntil;
    return due.map((e) => ({ ...e }));
  }

  async recordAttempt(eventId: string, attempt: DeliveryAttempt, outcome: AttemptOutcome): Promise<void> {
    const e = this.rows.get(eventId);
    if (!e) return;
    this.attemptRows.push({ id: randomUUID(), event_id: eventId, ...attempt });
    Object.assign(e, {
      attempts: e.attempts + 1,
      round_attempts: e.round_attempts + 1,
      status: outcome.status,
      claimed_until: null,
      last_error: outcome.status === 'delivered' ? null : (attempt.error ?? `HTTP ${attempt.status_code}`),
      ...(outcome.status === 'pending' ? { next_attempt_at: outcome.next_attempt_at } : {}),
      ...(outcome.status === 'delivered' ? { delivered_at: attempt.attempted_at } : {}),
    });
  }

  async listNewestFirst(
    filter: SecurityEventFilter,
    limit: number,
    after?: KeysetAfter,
  ): Promise<SecurityEventEntity[]> {
    const matching = [...this.rows.values()].filter((e) =>
      (['client_id', 'type', 'status'] as const).every((k) => filter[k] === undefined || e[k] === filter[k]),
    );
    return newestFirstInMemory(matching, (e) => ({ at: e.created_at, id: e.id }), limit, after);
  }

  async findById(id: string): Promise<SecurityEventEntity | null> {
    const e = this.rows.get(id);
    return e ? { ...e } : null;
  }

  async attemptsOf(eventId: string): Promise<SecurityEventAttemptEntity[]> {
    return this.attemptRows.filter((a) => a.event_id === eventId);
  }

  async requeue(id: string, now: number): Promise<boolean> {
    const e = this.rows.get(id);
    if (!e || e.status === 'pending') return false;
    Object.assign(e, { status: 'pending', round_attempts: 0, next_attempt_at: now, claimed_until: null });
    return true;
  }
}
